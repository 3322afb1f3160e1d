/**
 * Hostile cases around exactly-once creates (issue 13), through a real gateway in front of the
 * emulator: answers whose asset id is not an id, garbled successes to requests that are safe to
 * repeat, lost answers under concurrency. Every file ends as exactly one asset, or fails saying
 * why; never a second create sent blindly, never an id that is not one saved on an item.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../electron/core/ports.ts';
import type { QueueItemView } from '../../electron/shared/queue-types.ts';
import {
  control,
  dir,
  emulator,
  emulatorAssets,
  KEY,
  proxy,
  startThroughGateway,
  useLostAnswerSuite,
} from '../helpers/lost-answer-suite.ts';
import { mp4, writeFixture } from '../helpers/media.ts';
import { allIn, waitFor } from '../helpers/queue-harness.ts';
import { serveFolder } from '../helpers/static-server.ts';

useLostAnswerSuite('tl-lost-hostile-');
const start = startThroughGateway;

const CREATE = /^\/v1\.3\/assets$/;
const REPORT = /^\/v1\.3\/assets\/multipart-uploads\/[^/]+$/;

/** Every `_id` in a platform answer (one asset, or a listing's) replaced by something else. */
function replaceIds(by: string) {
  return {
    rewrite: (body: string) =>
      JSON.stringify(JSON.parse(body), (key, value: unknown) => (key === '_id' ? by : value)),
  };
}

describe('a create answer whose asset id is not an id', () => {
  it('is not saved: the asset the create made is found by its listing and adopted', async () => {
    await writeFixture(join(dir, 'odd.mp4'), mp4({ seed: 21, payloadBytes: 5_000 }));
    const queue = start();
    const rule = proxy.lose({ method: 'POST', path: CREATE, fault: replaceIds('../../x'), count: 1 });
    await queue.add([{ kind: 'file', path: join(dir, 'odd.mp4') }]);
    const [item] = await waitFor(queue, allIn('ready', 'failed'), 45_000);
    expect(rule.hits).toBe(1);
    const assets = await emulatorAssets();
    expect(item).toMatchObject({ state: 'ready', assetId: assets[0]!._id });
    expect(assets).toHaveLength(1);
    expect(await control.requests('assets.create')).toHaveLength(1);
  });

  it('nor sent again when the listing gives no id either: the item fails saying why', async () => {
    await writeFixture(join(dir, 'odder.mp4'), mp4({ seed: 22, payloadBytes: 5_000 }));
    const queue = start({ clock: quickLooks });
    const rules = [
      proxy.lose({ method: 'POST', path: CREATE, fault: replaceIds('constructor'), count: 1 }),
      proxy.lose({ method: 'GET', path: CREATE, fault: replaceIds('constructor'), count: 100 }),
    ];
    await queue.add([{ kind: 'file', path: join(dir, 'odder.mp4') }]);
    const [item] = await waitFor(queue, allIn('ready', 'failed'), 45_000);
    expect(rules.map((r) => r.hits > 0)).toEqual([true, true]);
    expect(item!.state).toBe('failed');
    expect(item!.assetId).toBeUndefined();
    expect(item!.error).toMatch(/id that is not valid \("constructor"\)/);
    expect(await control.requests('assets.create')).toHaveLength(1);
  });
});

describe('a garbled success to a request that is safe to repeat', () => {
  it('a chunk report before the last one: sent again, the upload goes on', async () => {
    // Twelve chunks, reported ten then two: the first report is not the one that completes.
    await writeFixture(join(dir, 'long.mp4'), mp4({ seed: 23, payloadBytes: 46_000 }));
    const queue = start({ multipartFromBytes: 1_000 });
    const rule = proxy.lose({ method: 'POST', path: REPORT, fault: 200, count: 1 });
    await queue.add([{ kind: 'file', path: join(dir, 'long.mp4') }]);
    const [item] = await waitFor(queue, allIn('ready', 'failed'), 45_000);
    expect(rule.hits).toBe(1);
    expect(item!.error).toBeUndefined();
    expect(item).toMatchObject({ state: 'ready', method: 'multipart' });
    expect((await emulatorAssets()).map((a) => a._id)).toEqual([item!.assetId]);
    expect(await control.requests('multipart.create')).toHaveLength(1);
  });
});

/** The listing leaves out assets of this name for its first `count` answers (a lagging index). */
function listsLate(name: string, count: number) {
  return proxy.lose({
    method: 'GET',
    path: CREATE,
    count,
    fault: {
      rewrite: (body: string) => {
        const page = JSON.parse(body) as { data: Array<{ filename: string }> };
        return JSON.stringify({ ...page, data: page.data.filter((a) => a.filename !== name) });
      },
    },
  });
}

/** Looks a little apart go fast; the queue's own waits keep their length (they are timers). */
const quickLooks = {
  now: () => Date.now(),
  sleep: (ms: number, s?: AbortSignal) => systemClock.sleep(ms / 10, s),
};

describe('a platform that lists a new asset late (eventual consistency)', () => {
  it('a lost create answer: looked for again, patiently, saying so, and never sent twice', async () => {
    await writeFixture(join(dir, 'late.mp4'), mp4({ seed: 31, payloadBytes: 5_000 }));
    const queue = start({ clock: quickLooks });
    const waits: QueueItemView[] = [];
    queue.on('item-changed', (v: QueueItemView) => v.state === 'waiting' && waits.push(v));
    const lost = proxy.lose({ method: 'POST', path: CREATE, fault: 504, count: 1 });
    // Not listed on the first looks of the lost answer's attempt, nor on the first of the next.
    const late = listsLate('late.mp4', 4);
    await queue.add([{ kind: 'file', path: join(dir, 'late.mp4') }]);
    const [item] = await waitFor(queue, allIn('ready', 'failed'), 45_000);
    expect([lost.hits, late.hits]).toEqual([1, 4]);
    const assets = await emulatorAssets();
    expect(assets.map((a) => a._id)).toEqual([item!.assetId]);
    expect(await control.requests('assets.create')).toHaveLength(1);
    expect(waits[0]!.wait?.message).toMatch(/checking whether the upload arrived/i);
  });

  it('a lost session answer: the session it made is adopted once listed, none left behind', async () => {
    await writeFixture(join(dir, 'late-big.mp4'), mp4({ seed: 32, payloadBytes: 9_000 }));
    const queue = start({ clock: quickLooks, multipartFromBytes: 1_000 });
    const lost = proxy.lose({
      method: 'POST',
      path: /^\/v1\.3\/assets\/multipart-uploads$/,
      fault: 'cut',
      count: 1,
    });
    const late = proxy.lose({
      method: 'GET',
      path: /^\/v1\.3\/assets\/multipart-uploads$/,
      count: 4,
      fault: { rewrite: (body: string) => JSON.stringify({ ...JSON.parse(body), data: [] }) },
    });
    await queue.add([{ kind: 'file', path: join(dir, 'late-big.mp4') }]);
    const [item] = await waitFor(queue, allIn('ready', 'failed'), 45_000);
    expect([lost.hits, late.hits]).toEqual([1, 4]);
    expect(item).toMatchObject({ state: 'ready', method: 'multipart' });
    expect(await control.requests('multipart.create')).toHaveLength(1);
    const res = await fetch(`${emulator.url}/assets/multipart-uploads?page_limit=50`, { headers: KEY });
    expect(((await res.json()) as { data: unknown[] }).data).toEqual([]);
  });
});

describe("the platform's clock and ours apart", () => {
  // Our clock 10 minutes ahead of the platform's: what it made looks dated 10 minutes before the
  // attempt, beyond any margin for skew. Its Date header says how far apart the clocks are.
  const ahead = { ...quickLooks, now: () => Date.now() + 10 * 60_000 };

  it('a lost create answer: the asset is still found and adopted, not sent again', async () => {
    await writeFixture(join(dir, 'skew.mp4'), mp4({ seed: 41, payloadBytes: 5_000 }));
    const queue = start({ clock: ahead, arrivalPatienceMs: 1 });
    const lost = proxy.lose({ method: 'POST', path: CREATE, fault: 'cut', count: 1 });
    await queue.add([{ kind: 'file', path: join(dir, 'skew.mp4') }]);
    const [item] = await waitFor(queue, allIn('ready', 'failed'), 45_000);
    expect(lost.hits).toBe(1);
    expect((await emulatorAssets()).map((a) => a._id)).toEqual([item!.assetId]);
    expect(await control.requests('assets.create')).toHaveLength(1);
  });

  it('a lost session answer: the session is still adopted, none left behind', async () => {
    await writeFixture(join(dir, 'skew-big.mp4'), mp4({ seed: 42, payloadBytes: 9_000 }));
    const queue = start({ clock: ahead, arrivalPatienceMs: 1, multipartFromBytes: 1_000 });
    const lost = proxy.lose({
      method: 'POST',
      path: /^\/v1\.3\/assets\/multipart-uploads$/,
      fault: 'cut',
      count: 1,
    });
    await queue.add([{ kind: 'file', path: join(dir, 'skew-big.mp4') }]);
    const [item] = await waitFor(queue, allIn('ready', 'failed'), 45_000);
    expect(lost.hits).toBe(1);
    expect(item).toMatchObject({ state: 'ready', method: 'multipart' });
    expect(await control.requests('multipart.create')).toHaveLength(1);
  });
});

describe('lost answers with three uploads at once', () => {
  // Files of one size and other names go in parallel (a session listing names no file: sessions
  // of one size go one at a time): each must adopt what its own create made.
  const NAMES = ['cam-a.mp4', 'cam-b.mp4', 'cam-c.mp4'];
  async function sameSize() {
    for (const [i, name] of NAMES.entries())
      await writeFixture(join(dir, name), mp4({ seed: 50 + i, payloadBytes: 9_000 }));
  }
  for (const [what, path, route, multipartFromBytes] of [
    ['direct creates', CREATE, 'assets.create', undefined],
    ['session creates', /^\/v1\.3\/assets\/multipart-uploads$/, 'multipart.create', 1_000],
  ] as const)
    it(`${what}: one asset per file, each its own bytes`, async () => {
      await sameSize();
      const queue = start({ concurrency: 3, multipartFromBytes });
      const rule = proxy.lose({ method: 'POST', path, fault: 'cut', count: 3 });
      await queue.add(NAMES.map((name) => ({ kind: 'file' as const, path: join(dir, name) })));
      const items = await waitFor(queue, allIn('ready', 'failed'), 45_000);
      expect(rule.hits).toBe(3);
      expect(items.map((i) => i.state)).toEqual(['ready', 'ready', 'ready']);
      const assets = new Map((await emulatorAssets()).map((a) => [a._id, a.filename]));
      expect(assets.size).toBe(3);
      for (const item of items) expect(assets.get(item.assetId!)).toBe(item.name);
      for (const item of items) {
        const stored = emulator.core.state.assets.get(item.assetId!)?.blobPath;
        expect(stored && (await readFile(stored)).equals(await readFile(join(dir, item.name)))).toBe(true);
      }
      expect(await control.requests(route)).toHaveLength(3);
    });
});

describe('a URL uploaded before, sent again, its answer lost', () => {
  it('the earlier upload is not taken for the new one while the new one may still be listed late', async () => {
    await writeFixture(join(dir, 'again.mp4'), mp4({ seed: 61, payloadBytes: 5_000 }));
    const served = await serveFolder(dir);
    try {
      const url = `${served.origin}/again.mp4`;
      // Uploaded a minute ago (from another device, or an item since removed): in no ledger.
      const form = new FormData();
      form.append('method', 'url');
      form.append('url', url);
      const res = await fetch(`${emulator.url}/assets`, { method: 'POST', headers: KEY, body: form });
      const earlier = ((await res.json()) as { _id: string })._id;
      const queue = start({ clock: quickLooks });
      const lost = proxy.lose({ method: 'POST', path: CREATE, fault: 504, count: 1 });
      // The new asset is left out of the first three listings; the earlier one is always there.
      const late = proxy.lose({
        method: 'GET',
        path: CREATE,
        count: 3,
        fault: {
          rewrite: (body: string) => {
            const page = JSON.parse(body) as { data: Array<{ _id: string }> };
            return JSON.stringify({ ...page, data: page.data.filter((a) => a._id === earlier) });
          },
        },
      });
      await queue.add([{ kind: 'url', url }]);
      const [item] = await waitFor(queue, allIn('ready', 'failed'), 45_000);
      expect([lost.hits, late.hits]).toEqual([1, 3]);
      const ids = (await emulatorAssets()).map((a) => a._id);
      expect(ids).toHaveLength(2);
      expect(item!.assetId).not.toBe(earlier);
      expect(ids).toContain(item!.assetId);
      expect(await control.requests('assets.create')).toHaveLength(2);
    } finally {
      await served.close();
    }
  });
});

describe('the last chunk report’s answer lost while the person pauses', () => {
  it('resumed, the upload ends as the one asset its session made', async () => {
    await writeFixture(join(dir, 'paused.mp4'), mp4({ seed: 81, payloadBytes: 9_000 }));
    const queue = start({ multipartFromBytes: 1_000 });
    // Three chunks, one report: it completes the upload. The platform acts on it; as its answer
    // comes back garbled, the person presses Pause.
    const lost = proxy.lose({
      method: 'POST',
      path: REPORT,
      count: 1,
      fault: {
        rewrite: () => {
          queue.pause(queue.list()[0]!.id);
          return '<html>gateway</html>';
        },
      },
    });
    await queue.add([{ kind: 'file', path: join(dir, 'paused.mp4') }]);
    await waitFor(queue, (items) => lost.hits === 1 && items[0]!.state === 'paused', 45_000);
    queue.resume(queue.list()[0]!.id);
    const [item] = await waitFor(queue, allIn('ready', 'failed'), 45_000);
    expect(item).toMatchObject({ state: 'ready', method: 'multipart' });
    expect((await emulatorAssets()).map((a) => a._id)).toEqual([item!.assetId]);
    expect(await control.requests('multipart.create')).toHaveLength(1);
  });
});
