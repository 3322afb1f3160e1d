/** Watched folders on real temp folders, with the real queue and the emulator. */
import { copyFile, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FolderStatus } from '../../electron/shared/sync-types.ts';
import { chokidarWatchFolder } from '../../electron/core/sync/chokidar-folder-watcher.ts';
import { FolderSync } from '../../electron/core/sync/folder-sync.ts';
import { previewFolder } from '../../electron/core/sync/folder-preview.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import type { DocumentStore } from '../../electron/core/store/document-store.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { JPEG_16x8, mp4, png, pseudoRandom, wav, writeFixture } from '../helpers/media.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let root: string;
let cleanupRoot: () => Promise<void>;
let watched: string;
let dataDir: string;
let running: { sync: FolderSync; harness: ReturnType<typeof makeQueue> } | undefined;
let n = 0;

beforeAll(async () => {
  ({ dir: root, cleanup: cleanupRoot } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 20 });
  control = new EmulatorControl(emulator.origin);
});
afterAll(async () => {
  await emulator.close();
  await cleanupRoot();
});
beforeEach(async () => {
  await control.reset();
  n++;
  watched = join(root, `watched-${n}`);
  dataDir = join(root, `data-${n}`);
  await mkdir(watched, { recursive: true });
});
afterEach(async () => {
  await stopAll();
});

async function startAll(
  queueOverrides: Parameters<typeof makeQueue>[2] = {},
  syncOverrides: Partial<ConstructorParameters<typeof FolderSync>[0]> = {},
) {
  const harness = makeQueue(emulator.url, dataDir, { concurrency: 6, ...queueOverrides });
  harness.queue.start();
  const sync = new FolderSync({
    queue: harness.queue,
    store: new ConfDocumentStore(dataDir, 'sync'),
    availabilityIntervalMs: 200,
    ...syncOverrides,
  });
  await sync.start();
  running = { sync, harness };
  return running;
}

async function stopAll() {
  if (!running) return;
  await running.sync.stop();
  await running.harness.close();
  running = undefined;
}

function statusWhere(
  sync: FolderSync,
  predicate: (s: FolderStatus) => boolean,
  timeoutMs = 30_000,
): Promise<FolderStatus> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = sync.statuses()[0];
      if (s && predicate(s)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(s);
      }
    };
    const poll = setInterval(check, 50);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`folder status never matched: ${JSON.stringify(sync.statuses()[0])}`));
    }, timeoutMs);
    check();
  });
}

async function creates(): Promise<number> {
  return (
    (await control.requests('assets.create')).filter((r) => r.status === 201).length +
    (await control.requests('multipart.create')).length
  );
}

async function assetNames(): Promise<string[]> {
  const names: string[] = [];
  for (let page = 1; ; page++) {
    const res = await fetch(`${emulator.url}/assets?page_limit=50&page=${page}`, {
      headers: { 'x-api-key': 'k' },
    });
    const body = (await res.json()) as { data: Array<{ filename: string }> };
    if (body.data.length === 0) return names.sort();
    names.push(...body.data.map((a) => a.filename));
  }
}

const settled = (s: FolderStatus) => s.state === 'watching' && s.pending === 0 && s.waitingForFile === 0;

describe('finished files only, exactly once', () => {
  it('waits for a writer appending a 300 MB file in bursts, then uploads it once', async () => {
    const { sync, harness } = await startAll();
    const stabilityMs = 4_000;
    await sync.addFolder(watched, { stabilityMs });
    const file = await open(join(watched, 'recording.mp4'), 'w');
    const header = mp4({ payloadBytes: 0 });
    await file.write(header);
    let addedAt = 0;
    harness.queue.on('item-added', () => (addedAt = Date.now()));
    for (let burst = 0; burst < 6; burst++) {
      await file.write(pseudoRandom(50 * 1024 * 1024, burst));
      expect(addedAt, `handed over during burst ${burst}`).toBe(0);
      // Real time must pass for the stability rule: a pause shorter than its interval, so the
      // file keeps changing within it (derived from the interval, not tuned to the machine).
      await new Promise((r) => setTimeout(r, (stabilityMs * 3) / 4));
    }
    await file.close();
    const writerDone = Date.now();
    await statusWhere(sync, (s) => s.uploaded === 1, 60_000);
    expect(addedAt).toBeGreaterThanOrEqual(writerDone);
    expect(await creates()).toBe(1);
    expect(await assetNames()).toEqual(['recording.mp4']);
  }, 120_000);

  it('after a restart with 1,000 uploaded files, uploads nothing; a rescan mid-upload adds one item per file', async () => {
    for (let i = 0; i < 1000; i++)
      await writeFile(
        join(watched, `f${String(i).padStart(4, '0')}.mp4`),
        mp4({ payloadBytes: 64, seed: i }),
      );
    let { sync } = await startAll();
    const stabilityMs = 300;
    await sync.addFolder(watched, { stabilityMs });
    await statusWhere(sync, (s) => s.uploaded === 1000 && settled(s), 120_000);
    expect(await creates()).toBe(1000);
    await stopAll();

    await control.clearRequests();
    ({ sync } = await startAll());
    await statusWhere(sync, (s) => s.state === 'watching' && s.seen === 1000);
    // A file is handed over only once it has been still for the stability interval: real time
    // must pass for that rule (twice the configured interval), then the folder must be settled.
    await new Promise((r) => setTimeout(r, stabilityMs * 2));
    const status = await statusWhere(sync, settled);
    expect(status.uploaded).toBe(1000);
    expect(await creates()).toBe(0);
    expect(running!.harness.queue.list().filter((i) => i.state !== 'ready')).toEqual([]);

    // New files arrive while uploads run slowly; rescans in the middle add nothing twice.
    await control.settings({ ingestBytesPerSecond: 200_000 });
    for (let i = 0; i < 30; i++) await writeFile(join(watched, `new-${i}.wav`), wav(0.3 + i / 100));
    await statusWhere(sync, (s) => s.pending > 0);
    for (let r = 0; r < 3; r++) {
      await sync.rescan();
      await new Promise((res) => setTimeout(res, 150));
    }
    await control.settings({ ingestBytesPerSecond: 0 });
    await statusWhere(sync, (s) => s.uploaded === 1030 && settled(s), 60_000);
    const newItems = running!.harness.queue.list().filter((i) => i.name.startsWith('new-'));
    expect(newItems).toHaveLength(30);
    expect(await creates()).toBe(30);
  }, 240_000);
});

describe('identity is content', () => {
  it('rename, move and copy upload nothing; an overwrite makes one new asset', async () => {
    await writeFixture(join(watched, 'a.mp4'), mp4({ seed: 1 }));
    await writeFixture(join(watched, 'b.wav'), wav(1));
    const { sync } = await startAll();
    const folder = await sync.addFolder(watched, { stabilityMs: 300 });
    await statusWhere(sync, (s) => s.uploaded === 2 && settled(s));

    await rename(join(watched, 'a.mp4'), join(watched, 'renamed.mp4'));
    await mkdir(join(watched, 'sub'));
    await rename(join(watched, 'b.wav'), join(watched, 'sub', 'b.wav'));
    await copyFile(join(watched, 'renamed.mp4'), join(watched, 'sub', 'copy.mp4'));
    await statusWhere(sync, (s) => s.uploaded === 3 && settled(s));
    expect(await creates()).toBe(2);

    await writeFixture(join(watched, 'renamed.mp4'), mp4({ seed: 99 }));
    await statusWhere(sync, (s) => s.uploaded === 3 && settled(s) && s.lastActivityAt !== undefined);
    await waitFor(running!.harness.queue, (items) => items.filter((i) => i.state === 'ready').length === 3);
    expect(await creates()).toBe(3);
    const names = await assetNames();
    expect(names).toEqual(['a.mp4', 'b.wav', 'renamed.mp4']);
    expect(sync.list()[0]!.id).toBe(folder.id);
  }, 60_000);
});

describe('what is uploaded', () => {
  it('holds ignore patterns and kind filters; a .part file uploads once under its final name', async () => {
    await mkdir(join(watched, 'sub', 'raw'), { recursive: true });
    await writeFixture(join(watched, 'keep.mp4'), mp4({ seed: 3 }));
    await writeFixture(join(watched, 'still.png'), png());
    await writeFixture(join(watched, 'voice.wav'), wav(0.5));
    await writeFixture(join(watched, 'notes.txt'), Buffer.from('sidecar text, not media'));
    await writeFixture(join(watched, '.hidden.mp4'), mp4({ seed: 4 }));
    await writeFixture(join(watched, 'cache.tmp'), mp4({ seed: 5 }));
    await writeFixture(join(watched, 'sub', 'raw', 'skip.mp4'), mp4({ seed: 6 }));
    const { sync } = await startAll();
    const settings = {
      kinds: ['video' as const, 'audio' as const],
      ignore: ['.*', '*.tmp', '*.part', 'sub/raw/**'],
    };
    // The preview counts by the same rules what the first scan then uploads.
    const sizes = await Promise.all(['keep.mp4', 'voice.wav'].map((f) => stat(join(watched, f))));
    expect(await sync.preview(watched, settings)).toEqual({
      files: 2,
      bytes: sizes[0]!.size + sizes[1]!.size,
      byKind: { video: { files: 1, bytes: sizes[0]!.size }, audio: { files: 1, bytes: sizes[1]!.size } },
      skipped: 5, // still.png (kind not asked), notes.txt (not media), .hidden.mp4, cache.tmp, sub/raw
      unreadable: 0,
      complete: true,
    });
    expect(await sync.preview(watched, { ...settings, recursive: false, kinds: ['image'] })).toMatchObject({
      files: 1,
      byKind: { image: { files: 1 } },
    });
    expect(await previewFolder(watched, settings, -1)).toMatchObject({ files: 0, complete: false });
    await expect(sync.preview(join(watched, 'nope'))).rejects.toThrow(/does not exist/);

    await sync.addFolder(watched, { stabilityMs: 300, ...settings });
    await statusWhere(sync, (s) => s.uploaded === 2 && settled(s) && s.ignored >= 2);
    expect(await assetNames()).toEqual(['keep.mp4', 'voice.wav']);

    // A download written as .part, renamed when complete.
    await writeFixture(join(watched, 'clip.mp4.part'), mp4({ seed: 7, payloadBytes: 200_000 }));
    await rename(join(watched, 'clip.mp4.part'), join(watched, 'clip.mp4'));
    await statusWhere(sync, (s) => s.uploaded === 3 && settled(s));
    // Settled: nothing left to hand over. The .part never made an asset or a create of its own.
    expect(await assetNames()).toEqual(['clip.mp4', 'keep.mp4', 'voice.wav']);
    expect(await creates()).toBe(3);
  }, 60_000);

  it('skips existing files when asked, and adds path metadata', async () => {
    await writeFixture(join(watched, 'old.jpg'), JPEG_16x8);
    const { sync } = await startAll();
    await sync.addFolder(watched, { stabilityMs: 300, existing: 'skip' });
    await statusWhere(sync, (s) => s.state === 'watching');
    await mkdir(join(watched, 'day1'));
    await writeFixture(join(watched, 'day1', 'new.mp4'), mp4({ seed: 8 }));
    await statusWhere(sync, (s) => s.uploaded === 1 && settled(s));
    expect(await assetNames()).toEqual(['new.mp4']);
    const res = await fetch(`${emulator.url}/assets`, { headers: { 'x-api-key': 'k' } });
    const [asset] = ((await res.json()) as { data: Array<{ user_metadata: unknown }> }).data;
    expect(asset!.user_metadata).toEqual({ source_folder: `watched-${n}`, relative_path: 'day1/new.mp4' });
  });
});

describe('watching', () => {
  it('a folder tree moved in at once is uploaded, nested folders included', async () => {
    const { sync } = await startAll();
    await sync.addFolder(watched, { stabilityMs: 300 });
    await statusWhere(sync, (s) => s.state === 'watching');
    // Built elsewhere, then moved in: its files exist before any watch on its folders does.
    const outside = join(root, `outside-${n}`);
    await mkdir(join(outside, 'card', 'day2'), { recursive: true });
    await writeFixture(join(outside, 'card', 'a.wav'), wav(0.4));
    await writeFixture(join(outside, 'card', 'day2', 'b.mp4'), mp4({ seed: 41 }));
    await rename(join(outside, 'card'), join(watched, 'card'));
    await statusWhere(sync, (s) => s.uploaded === 2 && settled(s));
    expect(await assetNames()).toEqual(['a.wav', 'b.mp4']);
  }, 60_000);

  it('when the watcher cannot run, the folder is polled instead, says so, and files still arrive', async () => {
    let starts = 0;
    const { sync } = await startAll(
      {},
      {
        watchFolder: async (path, options) => {
          if (++starts === 1) throw new Error('the folder watcher stopped unexpectedly');
          return chokidarWatchFolder(path, options);
        },
      },
    );
    await sync.addFolder(watched, { stabilityMs: 300 });
    const status = await statusWhere(sync, (s) => s.state === 'watching' && s.watchMode === 'polling');
    expect(status.problems.join(' ')).toMatch(/Watching stopped .*polling/);
    await writeFixture(join(watched, 'late.wav'), wav(0.6));
    await statusWhere(sync, (s) => s.uploaded === 1 && settled(s));
    expect(starts).toBe(2);
  }, 60_000);
});

describe('availability', () => {
  it('a folder that disappears becomes unavailable, forgets nothing, and uploads nothing again when it returns', async () => {
    for (let i = 0; i < 5; i++) await writeFixture(join(watched, `v${i}.wav`), wav(0.2 + i / 10));
    const { sync } = await startAll();
    await sync.addFolder(watched, { stabilityMs: 300 });
    await statusWhere(sync, (s) => s.uploaded === 5 && settled(s));
    const away = `${watched}-unplugged`;
    await rename(watched, away);
    await statusWhere(sync, (s) => s.state === 'unavailable');
    await rename(away, watched);
    // Back: the return's rescan finds the five files it knows and settles with nothing to hand over.
    await statusWhere(sync, (s) => s.state === 'watching' && s.uploaded === 5 && settled(s));
    expect(await creates()).toBe(5);
    expect(running!.harness.queue.list()).toHaveLength(5);
  }, 60_000);

  it('refuses folders it cannot watch, with a reason', async () => {
    const { sync } = await startAll();
    await expect(sync.addFolder(join(watched, 'nope'))).rejects.toThrow(/does not exist/);
    await writeFixture(join(watched, 'x.wav'), wav(0.1));
    await expect(sync.addFolder(join(watched, 'x.wav'))).rejects.toThrow(/is a file, not a folder/);
    await mkdir(join(watched, 'inner'));
    await sync.addFolder(watched, { stabilityMs: 300 });
    await expect(sync.addFolder(join(watched, 'inner'))).rejects.toThrow(/is inside/);
    await expect(sync.addFolder(watched)).rejects.toThrow(/already watched/);
  });
});

/**
 * The queue's real store, whose writes fail as on a full disk while `failuresLeft` > 0: the
 * queue's add() then really rejects, after creating its items in memory.
 */
function failingWrites(
  inner: DocumentStore,
  writes: { failuresLeft: number; failed: number },
): DocumentStore {
  return new Proxy(inner, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== 'save' && prop !== 'append') return value.bind(target);
      return async (...args: unknown[]) => {
        if (writes.failuresLeft > 0) {
          writes.failuresLeft--;
          writes.failed++;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('a hand-over the queue refuses', () => {
  const problem =
    /finished file\(s\) could not be added to the upload queue \(.*ENOSPC.*disk of the data folder is full.*\); trying again in \d+ s\./;

  it('is kept, shown as a folder problem, and retried until the queue takes it: every file queued once', async () => {
    const names = ['h0.wav', 'h1.wav', 'h2.wav', 'h3.wav'];
    for (const [i, name] of names.entries()) await writeFixture(join(watched, name), wav(0.2 + i / 10));
    const writes = { failuresLeft: 0, failed: 0 };
    const store = failingWrites(new ConfDocumentStore(dataDir, 'queue'), writes);
    const { sync, harness } = await startAll({ store });
    const statuses: FolderStatus[] = [];
    sync.on('status', (s) => statuses.push(s));
    writes.failuresLeft = 3;
    await sync.addFolder(watched, { stabilityMs: 300 });
    await statusWhere(sync, (s) => s.uploaded === 4 && settled(s) && s.problems.length === 0);

    expect(writes.failed).toBe(3);
    // While it failed, the status said so (status events come in order, the problem's first).
    const failing = statuses.find((s) => s.problems.some((p) => problem.test(p)));
    expect(failing, JSON.stringify(statuses.map((s) => s.problems))).toBeDefined();
    // …and the status events end with it cleared (the last one may still be on its way).
    if (statuses.at(-1)!.problems.length > 0)
      await new Promise<void>((resolve) =>
        sync.on('status', (s) => {
          if (s.problems.length === 0) resolve();
        }),
      );
    expect(statuses.indexOf(failing!)).toBeLessThan(statuses.length - 1);
    // Each file is one queue item and one asset: a refused add left nothing behind to add twice.
    expect(
      harness.queue
        .list()
        .map((i) => i.name)
        .sort(),
    ).toEqual(names);
    expect(await creates()).toBe(4);
    expect(await assetNames()).toEqual(names);
  }, 60_000);

  it('a queue that keeps refusing: stop still resolves, and the next start hands every file over once', async () => {
    const names = ['k0.wav', 'k1.wav'];
    for (const [i, name] of names.entries()) await writeFixture(join(watched, name), wav(0.25 + i / 10));
    const writes = { failuresLeft: 0, failed: 0 };
    const { sync } = await startAll({
      store: failingWrites(new ConfDocumentStore(dataDir, 'queue'), writes),
    });
    writes.failuresLeft = Number.POSITIVE_INFINITY;
    await sync.addFolder(watched, { stabilityMs: 300 });
    const status = await statusWhere(sync, (s) => s.problems.some((p) => problem.test(p)));
    expect(status.state).toBe('watching');
    expect(status.pending).toBe(0);
    await expect(sync.stop()).resolves.toBeUndefined(); // earlier failures do not make it fail
    writes.failuresLeft = 0; // the disk has room again
    await running!.harness.close();
    running = undefined;

    const again = await startAll();
    await statusWhere(again.sync, (s) => s.uploaded === 2 && settled(s) && s.problems.length === 0);
    expect(
      again.harness.queue
        .list()
        .map((i) => i.name)
        .sort(),
    ).toEqual(names);
    expect(await creates()).toBe(2);
  }, 60_000);
});

describe('a folder whose ledger cannot be saved', () => {
  it('says so, keeps watching, and clears the problem once a rescan goes through', async () => {
    await writeFixture(join(watched, 'a.wav'), wav(0.3));
    await writeFixture(join(watched, 'b.wav'), wav(0.4));
    const writes = { failuresLeft: 0, failed: 0 };
    const { sync } = await startAll(
      {},
      {
        store: failingWrites(new ConfDocumentStore(dataDir, 'sync'), writes),
        reconcileIntervalMs: 500,
        // A watcher that reports nothing: only the periodic rescans notice changes here.
        watchFolder: async () => ({ close: async () => undefined }),
      },
    );
    await sync.addFolder(watched, { stabilityMs: 300 });
    await statusWhere(sync, (s) => s.uploaded === 2 && settled(s));

    writes.failuresLeft = Number.POSITIVE_INFINITY; // the disk is full from now on
    // Status events, not polling: the next rescan may clear the problem moments later.
    const failing = new Promise<FolderStatus>((resolve) =>
      sync.on('status', (s) => {
        if (s.problems.some((p) => /Something went wrong \(scan: .*ENOSPC/.test(p))) resolve(s);
      }),
    );
    await rm(join(watched, 'a.wav'));
    // The rescan that notices it cannot save what it found: the status says so.
    expect((await failing).state).toBe('watching');
    expect(writes.failed).toBeGreaterThan(0);

    // The rescans go on after the failed one (their chain is not broken): a new file is found.
    writes.failuresLeft = 0;
    await writeFixture(join(watched, 'c.wav'), wav(0.5));
    await statusWhere(sync, (s) => s.uploaded === 2 && settled(s) && s.problems.length === 0);
    expect(await assetNames()).toEqual(['a.wav', 'b.wav', 'c.wav']);
  }, 60_000);
});

describe('stopping', () => {
  it('a watcher that finishes starting after the folder was stopped is closed, not left running', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let closeLate!: () => void;
    const lateClosed = new Promise<void>((r) => (closeLate = r));
    const { sync } = await startAll(
      {},
      {
        // A real chokidar watcher that takes its time to be ready, as on a big tree.
        watchFolder: async (path, options) => {
          await gate;
          const watcher = await chokidarWatchFolder(path, options);
          return {
            close: async () => {
              await watcher.close();
              closeLate();
            },
          };
        },
      },
    );
    const adding = sync.addFolder(watched, { stabilityMs: 300 });
    await statusWhere(sync, (s) => s.state === 'scanning');
    await sync.stop();
    release();
    await adding;
    await lateClosed; // resolves only if the watcher made after the stop was closed
  }, 30_000);
});
