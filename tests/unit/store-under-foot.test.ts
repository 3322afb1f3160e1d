/**
 * A document's files changed under a running app (deleted, replaced, its journal deleted): the
 * next change must not be written where it cannot be read back (appended to a journal whose
 * document is gone, or to a journal without its header). Real files in a temp folder.
 */
import { appendFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/ports.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

type Doc = { items: Record<string, { state: string }>; paused: boolean } & Record<string, unknown>;

let dir: string;
useTempDirPerTest((path) => (dir = path));

const open = () =>
  new PersistedDocument<Doc>(
    new ConfDocumentStore(dir, 'queue'),
    () => ({ items: {}, paused: false }),
    60_000,
    silentLogger,
  );

/** A running document with two saved items, its journal started. */
async function running() {
  const doc = open();
  doc.data.items.a = { state: 'queued' };
  doc.data.items.b = { state: 'queued' };
  await doc.commit();
  return doc;
}

async function changeAndReopen(doc: PersistedDocument<Doc>) {
  doc.data.items.c = { state: 'queued' };
  doc.changedAt('items', 'c');
  await doc.commitChanges();
  await doc.close();
  const again = open();
  return again;
}

describe('a document changed under a running app', () => {
  for (const [name, act] of [
    ['its document deleted', (p: string) => rm(join(p, 'queue.json'))],
    ['its document replaced by junk', (p: string) => writeFile(join(p, 'queue.json'), 'junk')],
    [
      'its document replaced by an empty queue',
      (p: string) => writeFile(join(p, 'queue.json'), '{"items":{},"paused":false}'),
    ],
    ['its journal deleted', (p: string) => rm(join(p, 'queue.journal'))],
    ['its journal replaced by junk', (p: string) => writeFile(join(p, 'queue.journal'), 'junk')],
  ] as const)
    it(`${name}: the next change saves the whole document, and nothing is lost`, async () => {
      const doc = await running();
      await act(dir);
      const again = await changeAndReopen(doc);
      expect(Object.keys(again.data.items).sort()).toEqual(['a', 'b', 'c']);
      expect(again.recovered).toBeUndefined();
      await again.close();
    });

  for (const file of ['queue.json', 'queue.journal'])
    it(`${file} deleted and nothing changed after: closing writes it again`, async () => {
      const doc = await running();
      await rm(join(dir, file));
      await doc.close();
      const again = open();
      expect(Object.keys(again.data.items).sort()).toEqual(['a', 'b']);
      expect(again.recovered).toBeUndefined();
      await again.close();
    });

  it('a sound document is not written again at close', async () => {
    const doc = await running();
    const before = await readFile(join(dir, 'queue.json'), 'utf8');
    await doc.close();
    expect(await readFile(join(dir, 'queue.json'), 'utf8')).toBe(before);
    expect(doc.writes).toBe(1);
  });

  it('temporary files of a save cut short by a crash are removed at the next load', async () => {
    const doc = await running();
    await doc.close();
    for (const name of ['queue.json.4242.tmp', 'queue.journal.4242.tmp'])
      await writeFile(join(dir, name), '{"it');
    await writeFile(join(dir, 'queue.json.notes.tmp'), 'not ours'); // not a save's: left alone
    const again = open();
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual(['queue.json.notes.tmp']);
    expect(Object.keys(again.data.items).sort()).toEqual(['a', 'b']);
    await again.close();
  });

  it('a journal far longer than any we write (junk appended): its head is read, the rest not, and it is said', async () => {
    const doc = await running();
    doc.data.items.c = { state: 'uploading' };
    doc.changedAt('items', 'c');
    await doc.commitChanges();
    await doc.close();
    // 48 MiB of junk lines: more than the 4 MiB slack + the document + one write's 32 MiB margin.
    const junk = Buffer.from(`${'x'.repeat(1023)}\n`.repeat(1024));
    for (let i = 0; i < 48; i++) await appendFile(join(dir, 'queue.journal'), junk);
    const again = open();
    expect(Object.keys(again.data.items).sort()).toEqual(['a', 'b', 'c']);
    expect(again.recovered).toMatch(
      /queue\.journal was 48 MB, far longer than its journal ever grows: only its first 36 MB were read/,
    );
    await again.close();
    // Repaired: the next load reads a short journal and has nothing to say.
    const third = open();
    expect(third.recovered).toBeUndefined();
    await third.close();
  });

  it('killed before the repaired document was saved: said again once (a second copy), then sound', async () => {
    const doc = await running();
    await doc.close();
    const cut = (await readFile(join(dir, 'queue.json'), 'utf8')).slice(0, -20);
    await writeFile(join(dir, 'queue.json'), cut);
    // Loaded (damage found, a copy kept, the repair scheduled), then "killed": never closed.
    const first = open();
    expect(first.recovered).toMatch(/damaged/);
    const second = open();
    expect(second.recovered).toMatch(/damaged/);
    await second.close(); // this time the repaired document is saved
    const third = open();
    expect(third.recovered).toBeUndefined();
    await third.close();
    // The kept copies are never loaded as the document (so never salvaged again): the damaged
    // text is in each, unchanged.
    const copies = (await readdir(dir)).filter((f) => f.startsWith('queue.damaged-') && f.endsWith('.json'));
    expect(copies.length).toBeGreaterThanOrEqual(1);
    for (const copy of copies) expect(await readFile(join(dir, copy), 'utf8')).toBe(cut);
    await first.close(); // its scheduled write must not outlive the test's folder
  });

  it('its whole folder deleted: the next change makes it again, private, with everything in it', async () => {
    const inner = join(dir, 'account');
    const nested = new PersistedDocument<Doc>(
      new ConfDocumentStore(inner, 'queue'),
      () => ({ items: {}, paused: false }),
      60_000,
      silentLogger,
    );
    nested.data.items.a = { state: 'queued' };
    await nested.commit();
    await rm(inner, { recursive: true });
    nested.data.items.b = { state: 'queued' };
    nested.changedAt('items', 'b');
    await nested.commitChanges();
    await nested.close();
    expect((await stat(inner)).mode & 0o777).toBe(0o700);
    const again = new ConfDocumentStore(inner, 'queue').load();
    expect(Object.keys(again.data.items as object).sort()).toEqual(['a', 'b']);
    expect(again.problems).toEqual([]);
  });
});
