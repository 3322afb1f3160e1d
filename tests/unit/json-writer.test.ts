import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
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
      files: {
        'folder-1': Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`a/${i}.wav`, { i }])),
      },
      holes: [1, undefined, () => 1, 'x'],
      small: [1, 2],
      empty: {},
      skip: undefined,
      text: 'é\n"',
    };
    const path = join(dir, 'doc.json');
    // No piece is serialised in one go bigger than an entry: the writer yields between batches,
    // and a big container serialised whole (the ledger, two levels down) would block meanwhile.
    const stringify = JSON.stringify.bind(JSON);
    let longest = 0;
    const spy = vi.spyOn(JSON, 'stringify').mockImplementation((...args: Parameters<typeof stringify>) => {
      const text = stringify(...args);
      longest = Math.max(longest, text?.length ?? 0);
      return text;
    });
    try {
      await writeJsonAtomically(path, data);
    } finally {
      spy.mockRestore();
    }
    expect(await readFile(path, 'utf8')).toBe(JSON.stringify(data));
    expect(longest).toBeLessThan(200);
  } finally {
    await cleanup();
  }
});
