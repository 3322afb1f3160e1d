/**
 * Issue 16 through the real core on the Sandbox: watched-folder uploads ask for a thumbnail as the
 * Settings say; a file whose asset was deleted uploads again (the queue's ready twin and the
 * ledger no longer stand for it); "Clear finished" moves only the states asked for; "Retry all"
 * skips files refused as such; a paused file from the multipart line keeps its chunks.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { LIMITS } from '../../electron/core/media/limits.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { writeMp4File } from '../helpers/media.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let cleanup: () => Promise<void>;
let core: UploaderCore;

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  core = await UploaderCore.create({
    dataDir: join(dir, 'data'),
    secrets: new MemorySecretStore(),
    startSandbox: startEmulator,
    sandboxProcessingMs: 50,
    overrides: { sandbox: true },
  });
});
afterEach(async () => {
  await core.close();
  await cleanup();
});

it('a watched folder’s upload asks for a thumbnail, as the Settings do', async () => {
  expect(core.settings().defaultOptions.enableThumbnail).toBe(true);
  const watched = join(dir, 'watched');
  await mkdir(watched);
  await writeMp4File(join(watched, 'camera.mp4'), 60_000, 5);
  await core.invoke('folders:add', { path: watched });
  const [item] = await waitFor(core.queue, (items) => items[0]?.state === 'ready', 30_000);
  expect(item!.origin?.relativePath).toBe('camera.mp4');
  expect(item!.options.enableThumbnail).toBe(true);
  const asset = await core.library.refreshOne(item!.assetId!);
  expect(asset?.thumbnail).toBeDefined(); // "not requested" before
}, 40_000);

it('a file whose asset was deleted uploads again; Clear finished and Retry all do what they say', async () => {
  const path = await writeMp4File(join(dir, 'clip.mp4'), 40_000, 6);
  await core.invoke('uploads:add', { inputs: [{ kind: 'file', path }] });
  const [first] = await waitFor(core.queue, (items) => items[0]?.state === 'ready', 30_000);
  const [outcome] = await core.invoke('library:delete', { ids: [first!.assetId!], confirmed: true });
  expect(outcome!.outcome).toBe('deleted');

  // The first item is still in the queue, ready, with the deleted asset: not a twin any more.
  await core.invoke('uploads:add', { inputs: [{ kind: 'file', path }] });
  const items = await waitFor(
    core.queue,
    (all) =>
      all.length === 2 &&
      all[1]!.state !== 'queued' &&
      ['ready', 'duplicate', 'failed'].includes(all[1]!.state),
    30_000,
  );
  expect(items[1]!.state).toBe('ready');
  expect(items[1]!.assetId).not.toBe(first!.assetId);

  // Once more: now a true duplicate, of the new asset.
  await core.invoke('uploads:add', { inputs: [{ kind: 'file', path }] });
  const three = await waitFor(core.queue, (all) => all[2]?.state === 'duplicate', 30_000);
  expect(three[2]!.duplicateOf?.assetId).toBe(items[1]!.assetId);

  // A text file not named as a document is refused as such: failed, not retryable; Retry all leaves it alone.
  const notes = join(dir, 'notes.log');
  await writeFile(notes, 'just words, not media');
  await core.invoke('uploads:add', { inputs: [{ kind: 'file', path: notes }] });
  const four = await waitFor(core.queue, (all) => all[3]?.state === 'failed', 30_000);
  expect(four[3]!.retryable).toBe(false);
  expect(await core.invoke('uploads:retry-all', {})).toEqual({ retried: 0 });

  // Clear finished with ready and duplicate: the failed one stays, and goes on its own.
  expect(await core.invoke('uploads:remove-finished', { states: ['ready', 'duplicate'] })).toEqual({
    removed: 3,
  });
  expect(core.queue.list().map((i) => i.name)).toEqual(['notes.log']);
  expect(await core.invoke('uploads:remove-finished', { states: ['failed', 'canceled'] })).toEqual({
    removed: 1,
  });
  expect((await core.invoke('uploads:history', {})).map((h) => h.name).sort()).toEqual([
    'clip.mp4',
    'clip.mp4',
    'clip.mp4',
    'notes.log',
  ]);
}, 60_000);

describe('pause keeps progress', () => {
  let emulator: RunningEmulator;
  let control: EmulatorControl;
  beforeAll(async () => {
    emulator = await startEmulator({ processingMs: 20 });
    control = new EmulatorControl(emulator.origin);
  });
  afterAll(() => emulator.close());

  it('a file from the multipart line resumes after a pause from its last chunk, not byte 0', async () => {
    const size = 12_000_000;
    expect(size).toBeGreaterThanOrEqual(LIMITS.multipartFrom);
    await control.settings({ chunkSize: 1024 * 1024 }); // twelve chunks: room to pause between them
    const path = await writeMp4File(join(dir, 'long-take.mp4'), size, 8);
    const { queue, close } = makeQueue(emulator.url, join(dir, 'queue-data'), {
      bandwidthBytesPerSecond: 3_000_000,
      chunkConcurrency: 1,
    });
    try {
      queue.start();
      await queue.add([{ kind: 'file', path }]);
      const [moving] = await waitFor(
        queue,
        (items) => (items[0]?.progress?.sentBytes ?? 0) >= 4 * 1024 * 1024,
      );
      expect(moving!.method).toBe('multipart');
      queue.pause(moving!.id);
      await waitFor(queue, (items) => items[0]?.state === 'paused');
      const before = await control.requests('storage.put');
      const keptChunks = before.filter((r) => r.status === 200).length;
      expect(keptChunks).toBeGreaterThanOrEqual(3);
      await control.clearRequests();

      const seen: number[] = [];
      queue.on('item-changed', (item) => {
        if (item.state === 'uploading' && item.progress) seen.push(item.progress.sentBytes);
      });
      queue.resume(moving!.id);
      const [done] = await waitFor(queue, (items) => ['processing', 'ready'].includes(items[0]!.state));
      expect(done!.assetId).toBeDefined();
      // Only the chunks not yet stored went again; the progress shown never fell back to 0.
      const after = await control.requests('storage.put');
      expect(after.length).toBeLessThanOrEqual(12 - keptChunks + 1);
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(keptChunks * 1024 * 1024 - 1);
    } finally {
      await close();
      await control.settings({ chunkSize: null });
    }
  }, 60_000);
});
