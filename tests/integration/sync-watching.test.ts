/** Watched folders, real queue, emulator: watching, availability, refused hand-overs and saves, stopping. */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FolderStatus } from '../../electron/shared/sync-types.ts';
import { chokidarWatchFolder } from '../../electron/core/sync/chokidar-folder-watcher.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { mp4, wav, writeFixture } from '../helpers/media.ts';
import {
  assetNames,
  creates,
  dataDir,
  failingWrites,
  n,
  root,
  running,
  setRunning,
  settled,
  startAll,
  statusWhere,
  useSyncSuite,
  watched,
} from '../helpers/sync-suite.ts';

useSyncSuite();

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
    setRunning(undefined);

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
