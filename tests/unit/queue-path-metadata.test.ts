/**
 * A watched folder's path metadata is kept once per item as the folder's name (not in each item's
 * options) and joined when the item is shown or sent: across a restart of the queue too.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeQueue } from '../helpers/queue-harness.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

let dir: string;
useTempDirPerTest((path) => (dir = path));

describe('path metadata of watched-folder items', () => {
  it('joins source_folder and relative_path to the options, after a restart as before it', async () => {
    const { queue, close } = makeQueue('http://127.0.0.1:9/v1.3', dir);
    queue.pauseAll();
    const shared = { enableThumbnail: true, userMetadata: { shoot: 'day 1' } };
    const { added } = await queue.add([
      {
        kind: 'file',
        path: '/footage/card-1/a.mp4',
        options: shared,
        origin: { folderId: 'f1', relativePath: 'card-1/a.mp4' },
        sourceFolder: 'footage',
      },
      // Without the folder's name (path metadata off): the options as they are.
      {
        kind: 'file',
        path: '/footage/card-1/b.mp4',
        options: shared,
        origin: { folderId: 'f1', relativePath: 'card-1/b.mp4' },
      },
    ]);
    const expected = {
      enableThumbnail: true,
      userMetadata: { shoot: 'day 1', source_folder: 'footage', relative_path: 'card-1/a.mp4' },
    };
    expect(added[0]!.options).toEqual(expected);
    expect(added[1]!.options).toEqual(shared);
    expect(shared.userMetadata).toEqual({ shoot: 'day 1' }); // the shared object is not changed
    await close();
    // Saved as the name alone, not as a copy of the metadata in each item.
    const saved = await readFile(join(dir, 'queue.json'), 'utf8').catch(() => '');
    const journal = await readFile(join(dir, 'queue.journal'), 'utf8').catch(() => '');
    expect(`${saved}${journal}`).not.toContain('"source_folder"');
    const again = makeQueue('http://127.0.0.1:9/v1.3', dir);
    expect(again.queue.get(added[0]!.id)!.options).toEqual(expected);
    expect(again.queue.get(added[1]!.id)!.options).toEqual(shared);
    await again.close();
  });
});
