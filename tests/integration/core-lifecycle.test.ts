/**
 * The core's lifecycle with real parts (emulator over HTTP, real data folders, chokidar): closing
 * runs every closer even when some fail, and the data-folder lock is still released; a pause
 * caused by sleep is never saved, a person's own pause is.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LifecycleCloseError } from '../../electron/core/lifecycle-scope.ts';
import { defaultLogger, type Logger } from '../../electron/core/ports.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { chokidarWatchFolder } from '../../electron/core/sync/chokidar-folder-watcher.ts';
import type { WatchFolder } from '../../electron/core/sync/folder-watcher.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { wav, writeFixture, writeMp4File } from '../helpers/media.ts';
import { waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let dir: string;
let cleanup: () => Promise<void>;
let dataDir: string;
const opened: UploaderCore[] = [];
/**
 * Writes that failed, in any core of the test: a closed core that still wrote collided with the
 * next one on the same folder (`thumbnails.json.<pid>.tmp: ENOENT`, seen in a combined run).
 */
let failedWrites: string[] = [];
const logger: Logger = {
  ...defaultLogger,
  warn: (message, fields) => {
    if (/could not be saved/.test(message)) failedWrites.push(`${message} ${JSON.stringify(fields)}`);
    defaultLogger.warn(message, fields);
  },
};

beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 20 });
  control = new EmulatorControl(emulator.origin);
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await control.reset();
  ({ dir, cleanup } = await makeTempDir());
  dataDir = join(dir, 'data');
  failedWrites = [];
});
afterEach(async () => {
  // Closing twice is allowed; a core whose close failed on purpose says so again.
  for (const core of opened.splice(0)) await core.close().catch(() => undefined);
  try {
    // Nothing a closed core did reached the files the next one had open (checked once all closed).
    expect(failedWrites).toEqual([]);
  } finally {
    await cleanup();
  }
});

async function open(watchFolder?: WatchFolder): Promise<UploaderCore> {
  const core = await UploaderCore.create({
    dataDir,
    secrets: new MemorySecretStore('test-key'),
    startSandbox: startEmulator,
    overrides: { baseUrl: emulator.url },
    logger,
    ...(watchFolder && { watchFolder }),
  });
  opened.push(core);
  return core;
}

describe('closing', () => {
  it('with closers that fail, still closes everything else, reports each failure, and releases the data-folder lock', async () => {
    // A real chokidar watcher that stops, then says it could not (as a watcher stuck on a
    // vanished network share does).
    let closed = 0;
    const stubborn: WatchFolder = async (path, options) => {
      const watcher = await chokidarWatchFolder(path, options);
      return {
        close: async () => {
          await watcher.close();
          closed++;
          throw new Error(`the watcher of ${path} would not let go`);
        },
      };
    };
    const core = await open(stubborn);
    const folders = [join(dir, 'cards'), join(dir, 'phone')];
    for (const folder of folders) {
      await mkdir(folder);
      await core.invoke('folders:add', { path: folder, settings: { stabilityMs: 300 } });
    }
    const clip = await writeFixture(join(dir, 'clip.wav'), wav(0.3));
    await core.invoke('uploads:add', { inputs: [{ kind: 'file', path: clip }] });
    await waitFor(core.queue, (items) => items[0]?.state === 'ready');
    expect(existsSync(join(dataDir, 'core.lock'))).toBe(true);

    const error = await core.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LifecycleCloseError);
    const failures = (error as LifecycleCloseError).failures;
    // Both folders were closed: the first failure did not stop the second.
    expect(failures).toHaveLength(2);
    expect(closed).toBe(2);
    for (const folder of folders)
      expect((error as Error).message).toContain(`the watcher of ${folder} would not let go`);
    // The lock is the last part closed: released, after everything between ran.
    expect(existsSync(join(dataDir, 'core.lock'))).toBe(false);
    await expect(core.close()).rejects.toBe(error); // a second close says the same, runs nothing again
    expect(closed).toBe(2);

    // The same data folder opens again, with its queue and folders as they were saved.
    const again = await open();
    expect(again.queue.list().map((i) => [i.name, i.state])).toEqual([['clip.wav', 'ready']]);
    expect(again.folders.list().map((f) => f.path)).toEqual(folders);
    await again.close();
    expect(existsSync(join(dataDir, 'core.lock'))).toBe(false);
  });
});

describe('closing during a rebuild', () => {
  it('switching to the Sandbox as the app quits leaves no Sandbox running without the lock', async () => {
    const core = await open();
    const switching = core.invoke('settings:update', { sandbox: true }).then(
      () => 'switched',
      (e: unknown) => (e as Error).message,
    );
    await core.close();
    const outcome = await switching;
    expect(existsSync(join(dataDir, 'core.lock'))).toBe(false);
    if (outcome === 'switched') {
      // The rebuild ran first: close waited for it and closed the Sandbox it started.
      expect(core.apiBaseUrl).not.toBe(emulator.url);
      await expect(fetch(`${core.apiBaseUrl}/assets`)).rejects.toThrow();
    } else expect(outcome).toMatch(/closing: the change was saved/);
    // Either way the change was saved, and the data folder opens again.
    const next = await UploaderCore.create({
      dataDir,
      secrets: new MemorySecretStore('test-key'),
      startSandbox: startEmulator,
    });
    opened.push(next);
    expect(next.settings().sandbox).toBe(true);
  });
});

describe('sleep', () => {
  it('a pause caused by sleep is never saved: quit while asleep and everything runs at the next start', async () => {
    const core = await open();
    await control.settings({ ingestBytesPerSecond: 300_000 });
    const big = await writeMp4File(join(dir, 'interview.mp4'), 3_000_000, 1);
    await core.invoke('uploads:add', { inputs: [{ kind: 'file', path: big }] });
    await waitFor(core.queue, (items) => items[0]?.state === 'uploading');

    // H7's power.ts calls this on the system's 'suspend': the transfer stops and goes back in line.
    core.queue.pauseForSleep();
    await waitFor(core.queue, (items) => items[0]?.state === 'queued');
    const small = await writeFixture(join(dir, 'voice.wav'), wav(0.4));
    const seen: string[] = [];
    core.on('uploads:item-changed', (v) => seen.push(`${v.name}:${v.state}`));
    await core.invoke('uploads:add', { inputs: [{ kind: 'file', path: small }] });
    expect(core.queue.list().map((i) => i.state)).toEqual(['queued', 'queued']);
    expect(core.queue.totals().paused).toBe(false); // not the person's pause
    await core.close(); // the app quits while the computer sleeps
    expect(seen.filter((s) => !s.endsWith(':queued'))).toEqual([]);

    await control.settings({ ingestBytesPerSecond: 0 });
    const next = await open();
    expect(next.queue.totals().paused).toBe(false);
    await waitFor(next.queue, (items) => items.length === 2 && items.every((i) => i.state === 'ready'));
    // Each file became one asset: the aborted transfer was not left behind as a second one.
    const res = await fetch(`${emulator.url}/assets`, { headers: { 'x-api-key': 'test-key' } });
    const names = ((await res.json()) as { data: Array<{ filename: string }> }).data.map((a) => a.filename);
    expect(names.sort()).toEqual(['interview.mp4', 'voice.wav']);
  });

  it('waking up continues at once; a person’s own pause is saved, with its reason, across a restart', async () => {
    const core = await open();
    // Read by name: what an add while asleep leaves is decided by the add itself (nothing starts).
    const stateOf = (queue: UploaderCore['queue'], name: string) =>
      queue.list().find((i) => i.name === name)?.state;
    core.queue.pauseForSleep();
    const first = await writeFixture(join(dir, 'a.wav'), wav(0.2));
    await core.invoke('uploads:add', { inputs: [{ kind: 'file', path: first }] });
    expect(stateOf(core.queue, 'a.wav')).toBe('queued');
    core.queue.resumeAfterSleep();
    await waitFor(core.queue, (items) => items[0]?.state === 'ready');
    // Asleep again, and the wake-up is never heard: the person's "resume all" gets work going.
    core.queue.pauseForSleep();
    const third = await writeFixture(join(dir, 'c.wav'), wav(0.25));
    await core.invoke('uploads:add', { inputs: [{ kind: 'file', path: third }] });
    expect(stateOf(core.queue, 'c.wav')).toBe('queued');
    await core.invoke('uploads:resume-all', {});
    await waitFor(core.queue, (items) => items.find((i) => i.name === 'c.wav')?.state === 'ready');

    const until = Date.now() + 3_600_000;
    await core.invoke('uploads:pause-all', { until });
    const second = await writeFixture(join(dir, 'b.wav'), wav(0.3));
    await core.invoke('uploads:add', { inputs: [{ kind: 'file', path: second }] });
    await core.close();

    const next = await open();
    expect(next.queue.totals()).toMatchObject({ paused: true, pausedUntil: until });
    expect(next.queue.list().map((i) => [i.name, i.state])).toEqual([
      ['a.wav', 'ready'],
      ['c.wav', 'ready'],
      ['b.wav', 'paused'],
    ]);
    // Sleeping and waking meanwhile does not end the person's pause.
    next.queue.pauseForSleep();
    next.queue.resumeAfterSleep();
    expect(stateOf(next.queue, 'b.wav')).toBe('paused');
    await next.invoke('uploads:resume-all', {});
    await waitFor(next.queue, (items) => items.every((i) => i.state === 'ready'));
  });
});
