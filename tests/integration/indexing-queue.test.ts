/**
 * From upload to searchable (issue 17), through the real queue against the emulator over real
 * HTTP, with real H.264/AAC videos made by ffmpeg: an upload with an index chosen ends indexed;
 * what the index's models refuse ends index-failed with its asset ready; a 429 storm on the
 * indexes category is waited out with one indexed asset in the end; a lost answer to the create
 * is resolved by looking, and a SIGKILL between "asset ready" and "indexed asset created" never
 * indexes twice.
 */
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import { startLostAnswerProxy, type LostAnswerProxy } from '../helpers/lost-answer-proxy.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let dir: string;
let cleanup: () => Promise<void>;
let clip: string;
let short: string;
const H = { 'x-api-key': 'k', 'content-type': 'application/json' };

async function newIndex(
  name: string,
  models = [{ model_name: 'marengo3.0', model_options: ['visual', 'audio'] }],
) {
  const res = await fetch(`${emulator.url}/indexes`, {
    method: 'POST',
    headers: H,
    body: JSON.stringify({ index_name: name, models }),
  });
  return ((await res.json()) as { _id: string })._id;
}
async function indexedAssetsOf(indexId: string) {
  const res = await fetch(`${emulator.url}/indexes/${indexId}/indexed-assets?page_limit=50`, { headers: H });
  return ((await res.json()) as { data: Array<{ _id: string; asset_id: string; status: string }> }).data;
}
const settled = (states: string[]) => (items: Array<{ state: string }>) =>
  items.length > 0 && items.every((i) => states.includes(i.state));

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 20, indexingMs: 60 });
  control = new EmulatorControl(emulator.origin);
  [clip, short] = await Promise.all([
    makeVideo(join(dir, 'talk.mp4'), { seconds: 5, width: 640, height: 360 }),
    makeVideo(join(dir, 'blink.mp4'), { seconds: 2, width: 640, height: 360 }),
  ]);
}, 60_000);
afterAll(async () => {
  await emulator.close();
  await cleanup();
});
beforeEach(async () => {
  await control.reset();
});

describe('the queue indexes what it uploads', () => {
  it('uploads a real MP4 with an index chosen and follows it to indexed', async () => {
    const indexId = await newIndex('talks');
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(emulator.url, data, { indexName: () => 'talks' });
    try {
      queue.start();
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
    } finally {
      await close();
      await done();
    }
  });

  it('ends index-failed, asset ready, when the platform fails the indexing; Retry indexes again only', async () => {
    const indexId = await newIndex('strict');
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(emulator.url, data);
    try {
      queue.start();
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
    } finally {
      await close();
      await done();
    }
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
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(emulator.url, data);
    try {
      queue.start();
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
    } finally {
      await close();
      await done();
    }
  }, 60_000);
});

describe('model preflight', () => {
  it("stops files outside the models' requirements before a byte is sent, with the reason", async () => {
    const indexId = await newIndex('picky', [
      { model_name: 'marengo3.0', model_options: ['visual'] },
      { model_name: 'pegasus1.2', model_options: ['visual', 'audio'] },
    ]);
    const low = await makeVideo(join(dir, 'low.mp4'), { seconds: 5, width: 640, height: 200 });
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(emulator.url, data);
    try {
      queue.start();
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
    } finally {
      await close();
      await done();
    }
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
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(`${proxy.origin}/v1.3`, data, { indexRelookDelaysMs: [50, 150] });
    try {
      queue.start();
      await queue.add([{ kind: 'file', path: clip, options: { indexId } }]);
      const [item] = await waitFor(queue, settled(['indexed', 'index-failed', 'failed']));
      expect(rule.hits).toBe(1);
      expect(item!.state).toBe('indexed');
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);
      expect(await indexedAssetsOf(indexId)).toHaveLength(1);
    } finally {
      await close();
      await done();
    }
  });

  it('survives a SIGKILL between "asset ready" and "indexed asset created" without indexing twice', async () => {
    const indexId = await newIndex('crash');
    // A gateway that forwards the indexing request, lets the emulator make it, and never answers.
    const held: Array<() => void> = [];
    const gateway = createServer((req, res) => {
      const holdIt = req.method === 'POST' && /\/indexed-assets$/.test(req.url ?? '');
      const out = request(
        `${emulator.origin}${req.url}`,
        { method: req.method, headers: req.headers },
        (up) => {
          if (holdIt) {
            up.resume();
            held.push(() => res.destroy());
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(out);
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/v1.3`;
    const { dir: data, cleanup: done } = await makeTempDir();
    const run = (baseUrl: string) =>
      spawn(
        process.execPath,
        ['--import', 'tsx', 'tests/helpers/index-child.ts', baseUrl, data, clip, indexId],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    try {
      const first = run(gatewayUrl);
      const exited = new Promise((r) => first.on('exit', r));
      // The platform made the indexed asset; the answer is held: kill the queue right there.
      for (
        let i = 0;
        i < 600 && (await control.requests('indexed-assets.create')).every((r) => r.status !== 202);
        i++
      )
        await new Promise((r) => setTimeout(r, 50));
      expect((await control.requests('indexed-assets.create')).map((r) => r.status)).toEqual([202]);
      first.kill('SIGKILL');
      await exited;
      for (const release of held) release();

      const second = run(emulator.url);
      let out = '';
      second.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise((r) => second.on('exit', r));
      expect(code).toBe(0);
      const items = JSON.parse(out.slice(out.indexOf('idle ') + 5)) as Array<{ state: string }>;
      expect(items.map((i) => i.state)).toEqual(['indexed']);
      expect(await control.requests('indexed-assets.create')).toHaveLength(1);
      expect(await control.requests('assets.create')).toHaveLength(1);
      expect(await indexedAssetsOf(indexId)).toHaveLength(1);
    } finally {
      gateway.closeAllConnections();
      gateway.close();
      await done();
    }
  }, 60_000);
});
