/**
 * A file already in the library, added again with an index chosen (issue 17), through the real
 * queue against the emulator over real HTTP with a real ffmpeg MP4: it adopts the existing asset
 * (no second POST /assets) and is indexed into that index; already a member, it ends indexed with
 * that indexed asset (no create); its asset deleted on the platform meanwhile, the file is
 * uploaded as new; a SIGKILL between "indexing request saved" and its answer indexes it once.
 * Without an index it stays today's duplicate.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import {
  control,
  emulator,
  H,
  indexedAssetsOf,
  killIndexChild,
  newIndex,
  resumeIndexChild,
  root,
  settledIn,
  startGateway,
  uploadThenClear,
  useIndexingSuite,
  withQueue,
} from '../helpers/indexing-suite.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

let clip: string;
const settled = settledIn(['ready', 'duplicate', 'indexed', 'index-failed', 'failed']);

useIndexingSuite();
beforeAll(async () => {
  clip = await makeVideo(join(root, 'talk.mp4'), { seconds: 5, width: 640, height: 360 });
}, 60_000);

describe('a duplicate with an index chosen', () => {
  it('adopts the existing asset and indexes it: one asset in all; without an index, a plain duplicate', async () => {
    const indexId = await newIndex('talks');
    await withQueue(
      async ({ queue }) => {
        await queue.add([{ kind: 'file', path: clip }]);
        const [first] = await waitFor(queue, settled(1));
        expect(first!.state).toBe('ready');

        await queue.add([{ kind: 'file', path: clip }]); // no index: today's duplicate
        await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
        const items = await waitFor(queue, settled(3));
        const [, plain, adopted] = items;
        expect(plain).toMatchObject({ state: 'duplicate', duplicateOf: { assetId: first!.assetId } });
        expect(adopted).toMatchObject({
          state: 'indexed',
          assetId: first!.assetId,
          duplicateOf: { assetId: first!.assetId },
          indexing: { indexId, indexName: 'talks', status: 'ready', checked: true },
        });
        // No upload of the second copy, and one indexed asset of the existing asset.
        expect(await control.requests('assets.create')).toHaveLength(1);
        expect(await indexedAssetsOf(indexId)).toEqual([
          expect.objectContaining({ _id: adopted!.indexing!.indexedAssetId, asset_id: first!.assetId }),
        ]);

        // "Upload anyway" still means a second asset: uploaded, and indexed into the index chosen.
        queue.uploadAnyway(adopted!.id);
        const after = await waitFor(queue, (all) => all[2]?.state === 'indexed' && !all[2].duplicateOf);
        const second = after[2]!;
        expect(second.assetId).not.toBe(first!.assetId);
        expect(await control.requests('assets.create')).toHaveLength(2);
        expect((await indexedAssetsOf(indexId)).map((ia) => ia.asset_id).sort()).toEqual(
          [first!.assetId, second.assetId].sort(),
        );
      },
      { indexName: () => 'talks' },
    );
  });

  it('ends indexed with the indexed asset already there, sending no create', async () => {
    const indexId = await newIndex('members');
    await withQueue(async ({ queue }) => {
      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [first] = await waitFor(queue, settled(1));
      expect(first!.state).toBe('indexed');
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);

      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [, again] = await waitFor(queue, settled(2));
      expect(again).toMatchObject({
        state: 'indexed',
        assetId: first!.assetId,
        indexing: { indexId, indexedAssetId: first!.indexing!.indexedAssetId, status: 'ready' },
      });
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await control.requests('assets.indexed-assets')).not.toHaveLength(0);
    });
  });

  it("is checked against the index's models first: a copy they refuse is not indexed", async () => {
    const indexId = await newIndex('strict');
    const low = await makeVideo(join(root, 'low.mp4'), { seconds: 5, width: 640, height: 200 });
    await withQueue(async ({ queue }) => {
      await queue.add([{ kind: 'file', path: low }]);
      await waitFor(queue, settled(1));
      await queue.add([{ kind: 'file', path: low, options: { indexId } }]);
      const [, refused] = await waitFor(queue, settled(2));
      expect(refused).toMatchObject({ state: 'failed', retryable: false });
      expect(refused!.error).toMatch(/640×200 is below the 360×360 minimum/);
      expect(await control.requests('assets.indexed-assets')).toHaveLength(0);
      expect(await control.requests('indexed-assets.create')).toHaveLength(0);

      queue.uploadWithoutIndexing(refused!.id); // then it is today's duplicate
      const after = await waitFor(queue, (all) => all[1]?.state === 'duplicate');
      expect(after[1]!.duplicateOf).toEqual({ assetId: after[0]!.assetId });
      expect(await control.requests('assets.create')).toHaveLength(1);
    });
  });

  it('uploads the file as new when the existing asset was deleted on the platform', async () => {
    const indexId = await newIndex('fresh');
    await withQueue(async ({ queue }) => {
      await queue.add([{ kind: 'file', path: clip }]);
      const [first] = await waitFor(queue, settled(1));
      // Deleted elsewhere (another app, the console): the ledger here still names it.
      const del = await fetch(`${emulator.url}/assets/${first!.assetId}`, { method: 'DELETE', headers: H });
      expect(del.status).toBe(204);

      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [, again] = await waitFor(queue, settled(2));
      expect(again!.state).toBe('indexed');
      expect(again!.duplicateOf).toBeUndefined();
      expect(again!.assetId).not.toBe(first!.assetId);
      expect(await control.requests('assets.create')).toHaveLength(2);
      expect(await indexedAssetsOf(indexId)).toEqual([expect.objectContaining({ asset_id: again!.assetId })]);
    });
  });

  it('found while its twin is still uploading (another index), it follows that asset into its own index', async () => {
    const indexId = await newIndex('twins');
    // A gateway that holds the answers to POST /assets until released: the twin stays mid-create.
    const gateway = await startGateway((req) =>
      req.method === 'POST' && /\/assets$/.test(req.url ?? '') ? 'hold' : 'forward',
    );
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(gateway.url, data);
    try {
      queue.start();
      await queue.add([{ kind: 'file', path: clip }]);
      await until('the first copy to be mid-create', () => gateway.held() === 1);
      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [twin] = await waitFor(queue, (all) => all[1]?.state === 'duplicate');
      expect(queue.list()[1]!.duplicateOf).toEqual({ itemId: twin!.id });
      gateway.release();
      const [first, second] = await waitFor(queue, settled(2));
      expect(first!.state).toBe('ready');
      expect(second).toMatchObject({ state: 'indexed', assetId: first!.assetId });
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await indexedAssetsOf(indexId)).toEqual([expect.objectContaining({ asset_id: first!.assetId })]);
    } finally {
      await close();
      gateway.close();
      await done();
    }
  });

  it('survives a SIGKILL between the indexing request and its answer: one indexed asset', async () => {
    const indexId = await newIndex('crash');
    const { dir: data, cleanup: done } = await makeTempDir();
    // The content is in the library already (uploaded without an index, then cleared).
    const first = await uploadThenClear(data, clip, settled(1));

    // A gateway that forwards the indexing request, lets the emulator make it, and never answers.
    const gateway = await startGateway((req) =>
      req.method === 'POST' && /\/indexed-assets$/.test(req.url ?? '') ? 'swallow' : 'forward',
    );
    const args = { data, clip, indexId };
    try {
      await killIndexChild(gateway.url, args, () =>
        until('the platform to make the indexed asset', async () =>
          (await control.requests('indexed-assets.create')).some((r) => r.status === 202),
        ),
      );
      gateway.release();

      const items = await resumeIndexChild(args);
      expect(items).toEqual([expect.objectContaining({ state: 'indexed', assetId: first.assetId })]);
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await indexedAssetsOf(indexId)).toHaveLength(1);
    } finally {
      gateway.close();
      await done();
    }
  }, 60_000);
});
