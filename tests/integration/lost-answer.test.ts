/**
 * Lost answers to the requests that make something (issue 13): the platform carries out a create
 * and its answer never reaches us, through a real gateway in front of the emulator (a connection
 * cut after the answer was written, or a 502/504 in its place). Every file must still end as
 * exactly one ready asset, no multipart session may be left behind, and the emulator's request
 * log says how many creates it received: one per file, never a blind second one.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LostAnswerFault } from '../helpers/lost-answer-proxy.ts';
import {
  control,
  dataDir,
  dir,
  emulator,
  emulatorAssets,
  harness,
  KEY,
  proxy,
  setHarness,
  startThroughGateway,
  useLostAnswerSuite,
} from '../helpers/lost-answer-suite.ts';
import { mp4, writeFixture } from '../helpers/media.ts';
import { allIn, makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { until } from '../helpers/until.ts';

useLostAnswerSuite();

const FILES = 3;

/** The queue talks to the platform through the gateway; files from 1 KB go multipart. */
const start = () => startThroughGateway({ multipartFromBytes: 1_000 });

/** Distinct names, contents and sizes. */
async function writeFiles(): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const name = `clip-${i}.mp4`;
    await writeFixture(join(dir, name), mp4({ seed: 100 + i, payloadBytes: 9_000 + i * 500 }));
    names.push(name);
  }
  return names;
}

async function activeSessions() {
  const res = await fetch(`${emulator.url}/assets/multipart-uploads?page_limit=50`, { headers: KEY });
  return ((await res.json()) as { data: unknown[] }).data;
}

/** Every file is one ready asset of its own name, each queue item holds the one of its file. */
async function expectExactlyOneAssetPerFile(names: string[]) {
  const items = await waitFor(harness!.queue, allIn('ready'), 45_000);
  const assets = await emulatorAssets();
  expect(assets.map((a) => a.filename).sort()).toEqual([...names].sort());
  expect(assets.every((a) => a.status === 'ready')).toBe(true);
  const byId = new Map(assets.map((a) => [a._id, a.filename]));
  for (const item of items) expect(byId.get(item.assetId!)).toBe(item.name);
  expect(new Set(items.map((i) => i.assetId)).size).toBe(names.length);
  expect(await activeSessions()).toEqual([]);
  // And the asset an item holds has that item's bytes (not those of another file of its name).
  for (const item of items) {
    const path =
      item.source.kind === 'file' ? item.source.path : join(dir, basename(new URL(item.source.url).pathname));
    const stored = emulator.core.state.assets.get(item.assetId!)?.blobPath;
    expect(stored && (await sha256(stored))).toBe(await sha256(path));
  }
}

/**
 * Adds the files `names` (in `dir`) and checks what every lost answer must come to: each file one
 * asset of its own, the lost-answer rule hit `hits` times, and `route` received `sent` requests.
 */
async function addThroughLoss(
  queue: ReturnType<typeof startThroughGateway>,
  names: string[],
  expected: {
    rule: { hits: number };
    hits: number;
    route: Parameters<typeof control.requests>[0];
    sent: number;
  },
) {
  await queue.add(names.map((name) => ({ kind: 'file' as const, path: join(dir, name) })));
  await expectExactlyOneAssetPerFile(names);
  expect(expected.rule.hits).toBe(expected.hits);
  expect(await control.requests(expected.route)).toHaveLength(expected.sent);
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** A cut after the answer; a gateway's 502, 503 or 504 after the body; a 200 with a proxy's page. */
const FAULTS: LostAnswerFault[] = ['cut', 502, 503, 504, 200];

describe.each(FAULTS)('with the answer lost (%s)', (fault) => {
  it('direct uploads: one create per file, each adopted', async () => {
    const names = await writeFiles();
    // Direct: under the multipart size for this test.
    const queue = startThroughGateway();
    const rule = proxy.lose({ method: 'POST', path: /^\/v1\.3\/assets$/, fault, count: FILES });
    await addThroughLoss(queue, names, { rule, hits: FILES, route: 'assets.create', sent: FILES });
    expect(queue.list().every((i) => i.method === 'direct')).toBe(true);
  });

  it('URL uploads: one create per URL, each adopted', async () => {
    const names = await writeFiles();
    const served = await serveFolder(dir);
    try {
      const queue = start();
      const rule = proxy.lose({ method: 'POST', path: /^\/v1\.3\/assets$/, fault, count: FILES });
      await queue.add(names.map((name) => ({ kind: 'url' as const, url: `${served.origin}/${name}` })));
      await expectExactlyOneAssetPerFile(names);
      expect(rule.hits).toBe(FILES);
      expect(await control.requests('assets.create')).toHaveLength(FILES);
    } finally {
      await served.close();
    }
  });

  it('multipart session creates: the session each made is adopted, none is left', async () => {
    const names = await writeFiles();
    const queue = start();
    const rule = proxy.lose({
      method: 'POST',
      path: /^\/v1\.3\/assets\/multipart-uploads$/,
      fault,
      count: FILES,
    });
    await addThroughLoss(queue, names, { rule, hits: FILES, route: 'multipart.create', sent: FILES });
    expect(queue.list().every((i) => i.method === 'multipart')).toBe(true);
  });

  it('multipart completions: the session says it completed, the report is not sent again', async () => {
    const names = await writeFiles();
    const queue = start();
    // Three chunks per file, reported in one batch: that report completes the upload.
    const rule = proxy.lose({
      method: 'POST',
      path: /^\/v1\.3\/assets\/multipart-uploads\/[^/]+$/,
      fault,
      count: FILES,
    });
    await addThroughLoss(queue, names, { rule, hits: FILES, route: 'multipart.create', sent: FILES });
    expect(await control.requests('multipart.report')).toHaveLength(FILES);
  });
});

describe('an asset of the same name and size made elsewhere just before', () => {
  it('is not taken for the one the lost answer made', async () => {
    // Another device uploaded the same file a moment ago: it is not in this app's ledger. The
    // platform's clock may differ from ours, so it is a candidate; ours, made since, comes first.
    await writeFixture(join(dir, 'shared.mp4'), mp4({ seed: 500, payloadBytes: 6_000 }));
    const form = new FormData();
    form.append('method', 'direct');
    form.append('file', new Blob([await readFile(join(dir, 'shared.mp4'))]), 'shared.mp4');
    const foreign = (await (
      await fetch(`${emulator.url}/assets`, { method: 'POST', headers: KEY, body: form })
    ).json()) as {
      _id: string;
    };
    await until('the asset made outside the queue to be ready', async () =>
      (await emulatorAssets()).some((a) => a._id === foreign._id && a.status === 'ready'),
    );
    const queue = startThroughGateway();
    const rule = proxy.lose({ method: 'POST', path: /^\/v1\.3\/assets$/, fault: 'cut', count: 1 });
    await queue.add([{ kind: 'file', path: join(dir, 'shared.mp4') }]);
    const [item] = await waitFor(queue, allIn('ready'), 45_000);
    expect(rule.hits).toBe(1);
    expect(item!.assetId).not.toBe(foreign._id);
    expect((await emulatorAssets()).map((a) => a._id).sort()).toEqual([foreign._id, item!.assetId].sort());
  });
});

describe('a session of the same size made elsewhere just before', () => {
  it('is not in the way: the session the lost answer made is adopted', async () => {
    const [name] = await writeFiles();
    const size = (await readFile(join(dir, name!))).length;
    const res = await fetch(`${emulator.url}/assets/multipart-uploads`, {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'elsewhere.mp4', type: 'video', total_size: size }),
    });
    const { upload_id: foreign } = (await res.json()) as { upload_id: string };
    const queue = start();
    const rule = proxy.lose({
      method: 'POST',
      path: /^\/v1\.3\/assets\/multipart-uploads$/,
      fault: 'cut',
      count: 1,
    });
    await queue.add([{ kind: 'file', path: join(dir, name!) }]);
    const [item] = await waitFor(queue, allIn('ready'), 45_000);
    expect(rule.hits).toBe(1);
    expect((await emulatorAssets()).map((a) => [a._id, a.filename])).toEqual([[item!.assetId, name]]);
    // Ours was adopted and completed; the other device's is still there, untouched.
    expect(await control.requests('multipart.create')).toHaveLength(2);
    expect((await activeSessions()) as Array<{ upload_id: string }>).toEqual([
      expect.objectContaining({ upload_id: foreign }),
    ]);
  });
});

describe('two files of one name and size', () => {
  it('whose answers are both lost adopt one asset each', async () => {
    // Same name, same size, other bytes: reconciliation could not tell their assets apart, so
    // they are sent one after the other and each adopts its own.
    for (const [i, sub] of ['a', 'b'].entries()) {
      await mkdir(join(dir, sub), { recursive: true });
      await writeFixture(join(dir, sub, 'same.mp4'), mp4({ seed: 300 + i, payloadBytes: 8_000 }));
    }
    const queue = startThroughGateway();
    const rule = proxy.lose({
      method: 'POST',
      path: /^\/v1\.3\/assets$/,
      fault: 'cut',
      count: 2,
    });
    await queue.add(['a', 'b'].map((sub) => ({ kind: 'file' as const, path: join(dir, sub, 'same.mp4') })));
    await expectExactlyOneAssetPerFile(['same.mp4', 'same.mp4']);
    expect(rule.hits).toBe(2);
    expect(await control.requests('assets.create')).toHaveLength(2);
  });

  it('multipart: whose session answers are both lost adopt one session each', async () => {
    // The session listing tells sessions apart by size only: same-size creates go one at a time.
    for (const [i, name] of ['left.mp4', 'right.mp4'].entries())
      await writeFixture(join(dir, name), mp4({ seed: 400 + i, payloadBytes: 9_000 }));
    const queue = start();
    const rule = proxy.lose({
      method: 'POST',
      path: /^\/v1\.3\/assets\/multipart-uploads$/,
      fault: 502,
      count: 2,
    });
    await addThroughLoss(queue, ['left.mp4', 'right.mp4'], {
      rule,
      hits: 2,
      route: 'multipart.create',
      sent: 2,
    });
  });
});

describe('an adopted session', () => {
  it('is kept across a restart: the upload finishes in it, no second session', async () => {
    const [name] = await writeFiles();
    let queue = start();
    const rule = proxy.lose({
      method: 'POST',
      path: /^\/v1\.3\/assets\/multipart-uploads$/,
      fault: 'cut',
      count: 1,
    });
    // The first chunk is held: the app stops while the adopted session is being filled.
    await control.addFaults({ kind: 'latency', route: 'storage.put', count: 1, ms: 2_000 });
    await queue.add([{ kind: 'file', path: join(dir, name!) }]);
    await until(
      'the first chunk to reach the platform',
      async () => (await control.requests('storage.put')).length > 0,
    );
    await harness!.close();
    queue = start();
    await expectExactlyOneAssetPerFile([name!]);
    expect(rule.hits).toBe(1);
    expect(await control.requests('multipart.create')).toHaveLength(1);
    expect(queue.list()[0]!.method).toBe('multipart');
  });

  it('whose completion answer is lost too learns its asset from the completed session', async () => {
    // Adopted, it knows no asset id until a report answers; the only report is the completing one.
    const [name] = await writeFiles();
    const queue = start();
    const lost = [/^\/v1\.3\/assets\/multipart-uploads$/, /^\/v1\.3\/assets\/multipart-uploads\/[^/]+$/].map(
      (path) => proxy.lose({ method: 'POST', path, fault: 504, count: 1 }),
    );
    await queue.add([{ kind: 'file', path: join(dir, name!) }]);
    await expectExactlyOneAssetPerFile([name!]);
    expect(lost.map((r) => r.hits)).toEqual([1, 1]);
    expect(await control.requests('multipart.create')).toHaveLength(1);
    // The lost completion, then one report to a session that said it was complete.
    expect(await control.requests('multipart.report')).toHaveLength(2);
  });
});

describe('when the lost request never reached the platform', () => {
  it('looks, finds nothing, and only then sends again: still one asset', async () => {
    await writeFixture(join(dir, 'swallowed.mp4'), mp4({ seed: 7, payloadBytes: 5_000 }));
    // Patience short of its default (minutes: lost-answer-hostile.test.ts attacks a late listing).
    const queue = startThroughGateway({ arrivalPatienceMs: 3_000 });
    // The gateway reads the whole body and answers 504 without forwarding it: the client cannot
    // tell this from a create that was carried out, so it looks (patiently: the whole body went
    // out) before sending again.
    const rule = proxy.lose({
      method: 'POST',
      path: /^\/v1\.3\/assets$/,
      fault: 504,
      count: 1,
      forward: false,
    });
    await addThroughLoss(queue, ['swallowed.mp4'], { rule, hits: 1, route: 'assets.create', sent: 1 });
  }, 40_000);

  it('a gateway that gives up while the platform is still at work: the asset is found on a later look', async () => {
    // The platform takes a second to act on the create; the gateway answers 504 as soon as it has
    // forwarded the body. The first look finds nothing: the asset shows up on a later one.
    await control.addFaults({ kind: 'latency', route: 'assets.create', count: 1, ms: 1_000 });
    await writeFixture(join(dir, 'slow.mp4'), mp4({ seed: 9, payloadBytes: 5_000 }));
    const queue = startThroughGateway();
    const rule = proxy.lose({ method: 'POST', path: /^\/v1\.3\/assets$/, fault: 504, count: 1, early: true });
    await addThroughLoss(queue, ['slow.mp4'], { rule, hits: 1, route: 'assets.create', sent: 1 });
  }, 40_000);

  it('a connection cut mid-body: one look, then sent again', async () => {
    // The emulator cuts the first create after 2,000 body bytes: it cannot have made the asset.
    await control.addFaults({ kind: 'drop', route: 'assets.create', afterBytes: 2_000, count: 1 });
    await writeFixture(join(dir, 'cut.mp4'), mp4({ seed: 8, payloadBytes: 3_000_000 }));
    const harness = setHarness(makeQueue(emulator.url, dataDir));
    harness.queue.start();
    await harness.queue.add([{ kind: 'file', path: join(dir, 'cut.mp4') }]);
    await expectExactlyOneAssetPerFile(['cut.mp4']);
    expect(await control.requests('assets.create')).toHaveLength(2);
  }, 40_000);
});
