/**
 * Each write of a document has its own temporary file: two stores of one document in one process
 * (a core closing while the next opens the same data folder) wrote the same `<name>.json.<pid>.tmp`,
 * and the second rename failed with ENOENT. Real files in a temporary folder.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { startJournal } from '../../electron/core/store/journal.ts';
import { writeJsonAtomically } from '../../electron/core/store/json-writer.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(async () => {
  await cleanup();
});

describe('two writers of one document in one process', () => {
  it('write at the same time without colliding on a temporary file', async () => {
    await mkdir(join(dir, 'data'));
    const path = join(dir, 'data', 'thumbnails.json');
    const entries = (tag: string) =>
      Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`${tag}${i}`, { size: i }]));
    // Both at once: with one temporary name per process, the second rename found no file.
    const results = await Promise.allSettled([
      writeJsonAtomically(path, { version: 1, entries: entries('a') }),
      writeJsonAtomically(path, { version: 1, entries: entries('b') }),
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'saved'))).toEqual([
      'saved',
      'saved',
    ]);
    const names = await readdir(join(dir, 'data'));
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const saved = JSON.parse(await readFile(join(dir, 'data', 'thumbnails.json'), 'utf8')) as {
      entries: Record<string, unknown>;
    };
    expect(Object.keys(saved.entries)).toHaveLength(2_000);
  });

  it('two journals of one document start at the same time', async () => {
    await mkdir(join(dir, 'data'));
    const path = join(dir, 'data', 'queue.journal');
    const results = await Promise.allSettled([startJournal(path, 1), startJournal(path, 2)]);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual([
      'started',
      'started',
    ]);
    expect((await readdir(join(dir, 'data'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a leftover of another process is removed at load; one of this process is not', async () => {
    const data = join(dir, 'data');
    await mkdir(data);
    const other = join(data, `thumbnails.json.${process.pid + 1}-3.tmp`);
    const ours = join(data, `thumbnails.json.${process.pid}-7.tmp`);
    await writeFile(other, '{');
    await writeFile(ours, '{');
    new ConfDocumentStore(data, 'thumbnails').load();
    expect(existsSync(other)).toBe(false);
    expect(existsSync(ours)).toBe(true);
  });
});
