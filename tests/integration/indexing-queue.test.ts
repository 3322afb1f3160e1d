/**
 * From upload to searchable (issue 17), through the real queue against the emulator over real
 * HTTP, with real H.264/AAC videos made by ffmpeg: an upload with an index chosen ends indexed;
 * what the index's models refuse ends index-failed with its asset ready; a 429 storm on the
 * indexes category is waited out with one indexed asset in the end; a lost answer to the create
 * is resolved by looking, and a SIGKILL between "asset ready" and "indexed asset created" never
 * indexes twice.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import {
  control,
  emulator,
  indexedAssetsOf,
  killIndexChild,
  newIndex as newIndexWith,
  resumeIndexChild,
  root,
  startGateway,
  useIndexingSuite,
  withQueue,
} from '../helpers/indexing-suite.ts';
import { startLostAnswerProxy, type LostAnswerProxy } from '../helpers/lost-answer-proxy.ts';
import { waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

let clip: string;
let short: string;

/** This suite's indexes see and hear unless a test says otherwise. */
const newIndex = (
  name: string,
  models = [{ model_name: 'marengo3.0', model_options: ['visual', 'audio'] }],
) => newIndexWith(name, models);
const settled = (states: string[]) => (items: Array<{ state: string }>) =>
  items.length > 0 && items.every((i) => states.includes(i.state));

useIndexingSuite();
beforeAll(async () => {
  [clip, short] = await Promise.all([
    makeVideo(join(root, 'talk.mp4'), { seconds: 5, width: 640, height: 360 }),
    makeVideo(join(root, 'blink.mp4'), { seconds: 2, width: 640, height: 360 }),
  ]);
}, 60_000);

describe('the queue indexes what it uploads', () => {
  it('uploads a real MP4 with an index chosen and follows it to indexed', async () => {
    const indexId = await newIndex('talks');
    await withQueue(
      async ({ queue }) => {
        const seen = new Set<string>();
        queue.on('item-changed', (v) => seen.add(v.state));
        await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
        const [item] = await waitFor(queue, settled(['indexed', 'index-failed', 'failed']));
        expect(item).toMatchObject({
          state: 'indexed',
          indexing: { indexId, indexName: 'talks', status: 'ready' },
        });
        expect(seen).toContain('indexing');
        const made = await indexedAssetsOf(indexId);
        expect(made).toEqual([
          expect.objectContaining({
            _id: item!.indexing!.indexedAssetId,
            asset_id: item!.assetId,
            status: 'ready',
          }),
        ]);
        // Upload without indexing ('' whatever the defaults): ready, nothing indexed.
        await queue.add([{ kind: 'file', path: short, options: { indexId: '' } }]);
        const all = await waitFor(
          queue,
          (items) => items.length === 2 && items.every((i) => ['indexed', 'ready'].includes(i.state)),
        );
        expect(all.find((i) => i.name === 'blink.mp4')).toMatchObject({ state: 'ready' });
        expect(await indexedAssetsOf(indexId)).toHaveLength(1);
      },
      { indexName: () => 'talks' },
    );
  });

  it('ends index-failed, asset ready, when the platform fails the indexing; Retry indexes again only', async () => {
    const indexId = await newIndex('strict');
    await withQueue(async ({ queue }) => {
      await control.addFaults({ kind: 'indexing', outcome: 'failed', count: 1 });
      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [item] = await waitFor(queue, settled(['indexed', 'index-failed', 'failed']));
      expect(item!.state).toBe('index-failed');
      expect(item!.error).toMatch(/could not index talk\.mp4 .*asset is uploaded and ready/);
      const creates = (await control.requests('assets.create')).length;
      await control.addFaults({ kind: 'indexing', outcome: 'ready', count: 1 });
      queue.retry(item!.id);
      const [again] = await waitFor(queue, settled(['indexed', 'index-failed']));
      expect(again!.state).toBe('indexed');
      expect(await control.requests('assets.create')).toHaveLength(creates); // not uploaded again
    });
  });

  it('waits out a 429 storm on the indexes category, and makes one indexed asset', async () => {
    const indexId = await newIndex('busy');
    await control.addFaults({
      kind: 'status',
      route: 'indexed-assets.create',
      count: 3,
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { code: 'too_many_requests', message: 'You have exceeded the rate limit.' },
    });
    await withQueue(async ({ queue }) => {
      const waits: string[] = [];
      queue.on('item-changed', (v) => v.wait && waits.push(v.wait.code));
      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [item] = await waitFor(queue, settled(['indexed', 'index-failed', 'failed']), 50_000);
      expect(item!.state).toBe('indexed');
      expect(waits).toContain('rate-limited');
      const creates = await control.requests('indexed-assets.create');
      expect(creates.filter((r) => r.status === 429)).toHaveLength(3);
      expect(creates.filter((r) => r.status === 202)).toHaveLength(1);
      expect(await indexedAssetsOf(indexId)).toHaveLength(1);
    });
  }, 60_000);
});

describe('model preflight', () => {
  it("stops files outside the models' requirements before a byte is sent, with the reason", async () => {
    const indexId = await newIndex('picky', [
      { model_name: 'marengo3.0', model_options: ['visual'] },
      { model_name: 'pegasus1.2', model_options: ['visual', 'audio'] },
    ]);
    const low = await makeVideo(join(root, 'low.mp4'), { seconds: 5, width: 640, height: 200 });
    await withQueue(async ({ queue }) => {
      await queue.add([
        { kind: 'file', path: low, options: { indexId } },
        { kind: 'file', path: short, options: { indexId } },
        { kind: 'file', path: clip, options: { indexId } },
      ]);
      const items = await waitFor(queue, settled(['indexed', 'index-failed', 'failed']));
      const byName = Object.fromEntries(items.map((i) => [i.name, i]));
      expect(byName['low.mp4']).toMatchObject({ state: 'failed', retryable: false });
      expect(byName['low.mp4']!.error).toMatch(
        /low\.mp4 cannot be indexed into "picky": 640×200 is below the 360×360 minimum .*Nothing was uploaded; choose "Upload without indexing"/,
      );
      expect(byName['blink.mp4']!.error).toMatch(/2 s is shorter than the 4 s minimum/);
      expect(byName['talk.mp4']!.state).toBe('indexed');
      // Only the file that qualified was sent.
      expect((await control.requests('assets.create')).length).toBe(1);

      queue.uploadWithoutIndexing(byName['low.mp4']!.id);
      const after = await waitFor(queue, (all) => all.find((i) => i.name === 'low.mp4')?.state === 'ready');
      expect(after.find((i) => i.name === 'low.mp4')!.options.indexId).toBe('');
      expect(await indexedAssetsOf(indexId)).toHaveLength(1);
    });
  });
});

describe('a create sent once', () => {
  let proxy: LostAnswerProxy;
  beforeAll(async () => {
    proxy = await startLostAnswerProxy(emulator.origin);
  });
  afterAll(() => proxy.close());

  it('adopts the indexed asset a lost answer made instead of sending again', async () => {
    const indexId = await newIndex('lossy');
    const rule = proxy.lose({ method: 'POST', path: /\/indexed-assets$/, fault: 'cut', count: 1 });
    await withQueue(
      async ({ queue }) => {
        await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
        const [item] = await waitFor(queue, settled(['indexed', 'index-failed', 'failed']));
        expect(rule.hits).toBe(1);
        expect(item!.state).toBe('indexed');
        expect(await control.requests('indexed-assets.create')).toHaveLength(1);
        expect(await indexedAssetsOf(indexId)).toHaveLength(1);
      },
      { indexRelookDelaysMs: [50, 150] },
      `${proxy.origin}/v1.3`,
    );
  });

  it('survives a SIGKILL between "asset ready" and "indexed asset created" without indexing twice', async () => {
    const indexId = await newIndex('crash');
    // A gateway that forwards the indexing request, lets the emulator make it, and never answers.
    const gateway = await startGateway((req) =>
      req.method === 'POST' && /\/indexed-assets$/.test(req.url ?? '') ? 'swallow' : 'forward',
    );
    const { dir: data, cleanup: done } = await makeTempDir();
    const args = { data, clip, indexId };
    try {
      // The platform made the indexed asset; the answer is held: kill the queue right there.
      await killIndexChild(gateway.url, args, async () => {
        await until('the platform to make the indexed asset', async () =>
          (await control.requests('indexed-assets.create')).some((r) => r.status === 202),
        );
        expect((await control.requests('indexed-assets.create')).map((r) => r.status)).toEqual([202]);
      });
      gateway.release();

      const items = await resumeIndexChild(args);
      expect(items.map((i) => i.state)).toEqual(['indexed']);
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await indexedAssetsOf(indexId)).toHaveLength(1);
    } finally {
      gateway.close();
      await done();
    }
  }, 60_000);
});
