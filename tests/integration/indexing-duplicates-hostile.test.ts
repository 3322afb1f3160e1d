/**
 * Duplicates with an index chosen, attacked (issue 17, brief H17): the real queue against the
 * emulator over real HTTP, a real ffmpeg MP4. The same file added twice at once with two
 * indexes; the membership read answering a 500 and a 429; the existing asset failed, or still
 * processing, on the platform; the index deleted meanwhile. Each ends where the person can see why, with no second
 * asset made behind their back and no index touched twice; a SIGKILL mid-adoption (the
 * membership read sent, not answered) resumes the adoption, never an upload.
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
import { waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

let clip: string;
const settled = settledIn(['ready', 'duplicate', 'indexed', 'index-failed', 'failed', 'rejected']);

useIndexingSuite();
beforeAll(async () => {
  clip = await makeVideo(join(root, 'talk.mp4'), { seconds: 5, width: 640, height: 360 });
}, 60_000);

describe('a duplicate with an index chosen, attacked', () => {
  it('the same file added twice at once with two indexes: one asset, indexed into both', async () => {
    const a = await newIndex('a');
    const b = await newIndex('b');
    await withQueue(async ({ queue }) => {
      await queue.add([
        { kind: 'file', path: clip, options: { indexId: a } },
        { kind: 'file', path: clip, options: { indexId: b } },
      ]);
      const items = await waitFor(queue, settled(2));
      expect(items.map((i) => i.state)).toEqual(['indexed', 'indexed']);
      expect(items[0]!.assetId).toBe(items[1]!.assetId);
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await indexedAssetsOf(a)).toEqual([expect.objectContaining({ asset_id: items[0]!.assetId })]);
      expect(await indexedAssetsOf(b)).toEqual([expect.objectContaining({ asset_id: items[0]!.assetId })]);
    });
  });

  it('adopts through a membership read answering a 500 then a 429: no second asset, one indexed asset', async () => {
    const indexId = await newIndex('flaky');
    await withQueue(async ({ queue }) => {
      await queue.add([{ kind: 'file', path: clip }]);
      const [first] = await waitFor(queue, settled(1));
      await control.addFaults(
        { kind: 'status', route: 'assets.indexed-assets', count: 1, status: 500 },
        {
          kind: 'status',
          route: 'assets.indexed-assets',
          count: 1,
          status: 429,
          headers: { 'retry-after': '0' },
        },
      );
      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [, adopted] = await waitFor(queue, settled(2));
      expect(adopted).toMatchObject({ state: 'indexed', assetId: first!.assetId });
      const reads = await control.requests('assets.indexed-assets');
      expect(reads.filter((r) => r.status === 500).length).toBe(1);
      expect(reads.filter((r) => r.status === 429).length).toBe(1);
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);
    });
  });

  it('the existing asset failed on the platform: the copy is not adopted into a failure', async () => {
    const indexId = await newIndex('after-failure');
    await withQueue(async ({ queue }) => {
      await queue.add([{ kind: 'file', path: clip }]);
      const [first] = await waitFor(queue, settled(1));
      await control.setStatus(first!.assetId!, 'failed', 'decoder error');
      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [, copy] = await waitFor(queue, settled(2));
      // What the person wanted (the file searchable in the index) is reached with a new asset,
      // or the item says plainly that the platform could not process the existing asset; never
      // "indexed" on a failed asset.
      if (copy!.state === 'indexed') expect(copy!.assetId).not.toBe(first!.assetId);
      else
        expect(copy).toMatchObject({
          state: 'failed',
          error: expect.stringMatching(/could not process.*decoder error/),
        });
      expect(await indexedAssetsOf(indexId)).not.toContainEqual(
        expect.objectContaining({ asset_id: first!.assetId }),
      );
    });
  });

  it('the existing asset still processing on the platform: followed to ready, then indexed', async () => {
    const indexId = await newIndex('still-processing');
    await withQueue(async ({ queue }) => {
      await queue.add([{ kind: 'file', path: clip }]);
      const [first] = await waitFor(queue, settled(1));
      await control.setStatus(first!.assetId!, 'processing');
      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      await waitFor(queue, (all) => all[1]?.state === 'processing' && all[1].assetId === first!.assetId);
      expect(await control.requests('indexed-assets.create')).toHaveLength(0);
      await control.setStatus(first!.assetId!, 'ready');
      const [, copy] = await waitFor(queue, settled(2));
      expect(copy).toMatchObject({ state: 'indexed', assetId: first!.assetId });
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);
    });
  });

  it('the index deleted meanwhile: the copy ends saying so, nothing uploaded again', async () => {
    const indexId = await newIndex('gone');
    await withQueue(async ({ queue }) => {
      await queue.add([{ kind: 'file', path: clip }]);
      await waitFor(queue, settled(1));
      const del = await fetch(`${emulator.url}/indexes/${indexId}`, { method: 'DELETE', headers: H });
      expect(del.status).toBeLessThan(300);
      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [, copy] = await waitFor(queue, settled(2));
      expect(copy!.state).toBe('index-failed');
      expect(copy!.error).toMatch(new RegExp(`index ${indexId}.* no longer exists`));
      expect(await control.requests('assets.create')).toHaveLength(1);
    });
  });

  it('survives a SIGKILL mid-adoption (membership read unanswered): adopted, never uploaded again', async () => {
    const indexId = await newIndex('adopt-crash');
    const { dir: data, cleanup: done } = await makeTempDir();
    // The content is in the library already (uploaded without an index, then cleared).
    const first = await uploadThenClear(data, clip, settled(1));

    // A gateway that never answers the membership read: the child is killed waiting on it.
    let membershipAsked = false;
    const gateway = await startGateway((req) => {
      if (req.method !== 'GET' || !/\/assets\/[^/]+\/indexed-assets/.test(req.url ?? '')) return 'forward';
      membershipAsked = true;
      return 'drop';
    });
    const args = { data, clip, indexId };
    try {
      await killIndexChild(gateway.url, args, () =>
        until("the adoption to ask for the asset's indexed assets", () => membershipAsked),
      );

      const items = await resumeIndexChild(args);
      expect(items).toEqual([expect.objectContaining({ state: 'indexed', assetId: first.assetId })]);
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);
      expect(await indexedAssetsOf(indexId)).toEqual([expect.objectContaining({ asset_id: first.assetId })]);
    } finally {
      gateway.close();
      await done();
    }
  }, 60_000);
});
