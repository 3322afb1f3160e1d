import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { writeJsonAtomically } from '../../electron/core/store/json-writer.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

it('writes the same JSON as JSON.stringify, in batches, for large and small values', async () => {
  const { dir, cleanup } = await makeTempDir();
  try {
    const items: Record<string, unknown> = {};
    for (let i = 0; i < 2_345; i++)
      items[`id-${i}`] = { n: i, name: `file "${i}".wav`, nested: { ok: i % 2 === 0 }, gone: undefined };
    const data = {
      version: 1,
      items,
      list: Array.from({ length: 1_234 }, (_, i) => ({ i })),
      // A big container two levels down (a watched folder's ledger): walked, not stringified whole.
      files: { 'folder-1': Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`a/${i}.wav`, { i }])) },
      holes: [1, undefined, () => 1, 'x'],
      small: [1, 2],
      empty: {},
      skip: undefined,
      text: 'é\n"',
    };
    const path = join(dir, 'doc.json');
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await writeJsonAtomically(path, data);
    ticking = false;
    expect(await readFile(path, 'utf8')).toBe(JSON.stringify(data));
    // Other work ran between batches (about 9,000 entries in batches of 500).
    expect(turns).toBeGreaterThan(10);
  } finally {
    await cleanup();
  }
});
