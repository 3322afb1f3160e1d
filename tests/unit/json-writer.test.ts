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
      small: [1, 2],
      empty: {},
      skip: undefined,
      text: 'é\n"',
    };
    const path = join(dir, 'doc.json');
    await writeJsonAtomically(path, data);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(JSON.parse(JSON.stringify(data)));
  } finally {
    await cleanup();
  }
});
