/**
 * Issue 18, the scan thread (scan-worker.mjs) attacked on real temp folders: names no tool expects
 * (a newline, bytes that are not UTF-8), a symlink loop, folders removed while they are listed. A file is either listed or reported as a problem, never dropped in
 * silence; an ignore rule holds whatever the name holds; the next scan always works.
 */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBatches } from '../../electron/core/sync/folder-scan.ts';
import { IgnoreRules } from '../../electron/core/sync/ignore-rules.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

let dir = '';
useTempDirPerTest((path) => (dir = path), 'tl-scan-hostile-');

async function scanAll(root: string, ignore?: IgnoreRules) {
  const rels: string[] = [];
  const sizes = new Map<string, number>();
  const problems: Array<[string, string]> = [];
  for await (const batch of scanBatches(root, {
    recursive: true,
    ignore,
    onProblem: (path, code) => problems.push([path, code]),
  }))
    for (const [i, rel] of batch.rels.entries()) {
      rels.push(rel);
      sizes.set(rel, batch.sizes[i]!);
    }
  return { rels, sizes, problems };
}

describe('the scan thread, attacked', () => {
  it('a symlink loop and a newline in a name: the file listed once, the loop not followed', async () => {
    await mkdir(join(dir, 'loop'));
    await symlink(join(dir, 'loop'), join(dir, 'loop', 'again'));
    await symlink('.', join(dir, 'loop', 'here'));
    await writeFile(join(dir, 'loop', 'line\nbreak.wav'), '123');
    const { rels, sizes, problems } = await scanAll(dir);
    expect(problems).toEqual([]);
    expect(rels).toEqual(['loop/line\nbreak.wav']);
    expect(sizes.get('loop/line\nbreak.wav')).toBe(3);
  });

  it('an ignore rule on a folder holds for a file whose name holds a newline', async () => {
    await mkdir(join(dir, 'cache'));
    await writeFile(join(dir, 'cache', 'a\nb.wav'), 'x');
    await writeFile(join(dir, 'cache', 'plain.wav'), 'x');
    await writeFile(join(dir, 'kept\n.wav'), 'x');
    const rules = new IgnoreRules(['cache/**', 'x/**/*.tmp']);
    expect(rules.ignores('cache/a\nb.wav')).toBe(true);
    expect(rules.ignores('x/a\nb/c.tmp')).toBe(true);
    const { rels } = await scanAll(dir, rules);
    expect(rels).toEqual(['kept\n.wav']);
  });

  it('a file whose name is not UTF-8 is reported as a problem, not dropped in silence', async () => {
    // Made by a child of the OS (Buffer paths), as a camera card or an old archive does.
    const bad = Buffer.concat([
      Buffer.from(join(dir, 'clip-')),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.wav'),
    ]);
    writeFileSync(bad, 'x');
    await writeFile(join(dir, 'good.wav'), 'x');
    const { rels, problems } = await scanAll(dir);
    expect(rels).toEqual(['good.wav']);
    expect(problems).toHaveLength(1);
    expect(problems[0]![0]).toContain('clip-');
    expect(problems[0]![1]).toBe('EILSEQ');
  });

  it('folders removed while they are listed end the scan cleanly, and the next scan works', async () => {
    for (const sub of ['a', 'b', 'c']) {
      await mkdir(join(dir, sub));
      for (let i = 0; i < 600; i++) writeFileSync(join(dir, sub, `f${i}.wav`), 'x');
    }
    await writeFile(join(dir, 'keep.wav'), 'x');
    const problems: Array<[string, string]> = [];
    let listed = 0;
    let batches = 0;
    for await (const batch of scanBatches(dir, {
      recursive: true,
      onProblem: (path, code) => problems.push([path, code]),
    })) {
      listed += batch.rels.length;
      // After the first batch (500 files at most): every folder goes away under the thread's feet,
      // the one it is listing and those still to come.
      if (batches++ === 0) for (const sub of ['a', 'b', 'c']) await rm(join(dir, sub), { recursive: true });
    }
    expect(batches).toBeGreaterThan(1);
    // The thread lists one batch ahead of the reader: at most two batches were listed before the
    // removal, never every file.
    expect(listed).toBeLessThan(1_801);
    // Gone is no problem (as a file gone since it was listed is none).
    expect(problems).toEqual([]);
    const again = await scanAll(dir);
    expect(again).toMatchObject({ rels: ['keep.wav'], problems: [] });
  });
});
