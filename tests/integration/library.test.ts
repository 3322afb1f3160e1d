/** The offline-first library against the emulator: sync, queries, details, thumbnails, deletes. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import { AssetLibrary } from '../../electron/core/library/asset-library.ts';
import { ThumbnailCache } from '../../electron/core/library/thumbnail-cache.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import type { LibraryState } from '../../electron/shared/library-types.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl, referenceFromIndex } from '../helpers/emulator-control.ts';
import { FAST } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let dir: string;
let cleanup: () => Promise<void>;
let client: UndiciTwelveLabsClient;
let library: AssetLibrary | undefined;

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 600_000, dataDir: join(dir, 'emulator') });
  control = new EmulatorControl(emulator.origin);
  client = new UndiciTwelveLabsClient({ baseUrl: emulator.url, apiKey: () => 'k', backoff: FAST });
});
afterEach(async () => {
  await library?.stop();
  if (library) expectSavedAsInMemory(library);
  library = undefined;
  await client.close();
  await emulator.close().catch(() => undefined);
  await cleanup();
});

/**
 * The mirror saves changed assets as journal lines (store/journal.ts): after every scenario the
 * document as loaded from disk must equal the one in memory, or a change was not marked.
 */
function expectSavedAsInMemory(mirror: AssetLibrary) {
  const live = (mirror as unknown as { doc: { data: Record<string, unknown> } }).doc.data;
  const saved = new ConfDocumentStore(join(dir, 'data'), 'library').load().data;
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
  expect(plain(saved)).toEqual(plain(live));
}

function makeLibrary(extra: Partial<ConstructorParameters<typeof AssetLibrary>[0]> = {}) {
  const data = join(dir, 'data');
  library = new AssetLibrary({
    client,
    store: new ConfDocumentStore(data, 'library'),
    thumbnails: new ThumbnailCache(
      join(data, 'thumbnails'),
      new ConfDocumentStore(data, 'thumbnails'),
      50 * 1024 * 1024,
    ),
    syncIntervalMs: 3_600_000,
    ...extra,
  });
  return library;
}

describe('mirror sync', () => {
  it('walks 1,200 assets once, then syncs incrementally with only the requests that changes need', async () => {
    // The processing assets are the oldest: only a targeted refresh can notice their change.
    const processing = await control.seed({
      count: 3,
      kind: 'audio',
      status: 'processing',
      filenamePrefix: 'voice',
    });
    await new Promise((r) => setTimeout(r, 5));
    await control.seed({ count: 1200, kind: 'video', filenamePrefix: 'clip' });
    const lib = makeLibrary();
    await control.clearRequests();
    await lib.syncNow();
    expect(lib.state()).toMatchObject({ online: true, assetCount: 1203 });
    expect(await control.requests('assets.list')).toHaveLength(Math.ceil(1203 / 50));

    await control.clearRequests();
    await control.seed({ count: 5, kind: 'image', filenamePrefix: 'new' });
    for (const id of processing) await control.setStatus(id, 'ready');
    await lib.syncNow(false);
    // Page 1 brings the 5 new assets, page 2 nothing new: stop. Then the 3 processing assets.
    expect(await control.requests('assets.list')).toHaveLength(2);
    expect(await control.requests('assets.retrieve')).toHaveLength(3);
    expect(lib.state().assetCount).toBe(1208);
    expect(lib.query({ statuses: ['processing'] }).total).toBe(0);
    expect(lib.query({ types: ['image'] }).total).toBe(5);
  }, 60_000);

  it('answers queries from the mirror: filters, search, sort and pages', async () => {
    await control.seed({ count: 30, kind: 'video', filenamePrefix: 'Beach' });
    await control.seed({ count: 10, kind: 'audio', filenamePrefix: 'voice' });
    await control.seed({ count: 2, kind: 'image', status: 'failed', filenamePrefix: 'broken' });
    const lib = makeLibrary();
    await lib.syncNow();
    expect(lib.query({ types: ['audio'] }).total).toBe(10);
    expect(
      lib
        .query({ statuses: ['failed'] })
        .items.map((a) => a.filename)
        .sort(),
    ).toEqual(['broken-00001.png', 'broken-00002.png']);
    expect(lib.query({ filename: 'BEACH-0002' }).total).toBe(10);
    const byName = lib.query({ sort: { by: 'name', direction: 'asc' }, offset: 0, limit: 3 });
    expect(byName.items.map((a) => a.filename)).toEqual([
      'Beach-00001.mp4',
      'Beach-00002.mp4',
      'Beach-00003.mp4',
    ]);
    expect(byName.total).toBe(42);
    const page2 = lib.query({ sort: { by: 'name', direction: 'asc' }, offset: 3, limit: 3 });
    expect(page2.items[0]!.filename).toBe('Beach-00004.mp4');
    const newest = lib.query({ limit: 1 });
    expect(newest.items[0]!.filename).toMatch(/^broken-/);
    const bySize = lib.query({ sort: { by: 'duration', direction: 'desc' }, types: ['video'], limit: 1 });
    expect(bySize.items[0]!.duration).toBe(39);
  });

  it('drops an asset deleted elsewhere at the next full sync', async () => {
    const [gone] = await control.seed({ count: 3 });
    const lib = makeLibrary();
    await lib.syncNow();
    await fetch(`${emulator.url}/assets/${gone}`, { method: 'DELETE', headers: { 'x-api-key': 'k' } });
    await lib.syncNow(false);
    expect(lib.state().assetCount).toBe(3); // an incremental sync cannot see a deletion
    await lib.syncNow(true);
    expect(lib.state().assetCount).toBe(2);
    expect(lib.detail(gone!)).toBeUndefined();
  });
});

describe('offline', () => {
  it('keeps queries, details and thumbnails working, queues a delete and carries it out later', async () => {
    const ids = await control.seed({ count: 4, kind: 'video', enableThumbnail: true });
    const lib = makeLibrary();
    const states: LibraryState[] = [];
    lib.on('state', (s) => states.push(s));
    await lib.syncNow();
    const fresh = await lib.refreshOne(ids[0]!);
    expect(fresh?.thumbnail?.status).toBe('ready');
    // Thumbnails are cached in the background after a sync.
    await until('every thumbnail to be cached', () => lib.query().items.every((a) => a.thumbnailPath));
    const withThumb = lib.query().items[0]!;
    const png = await readFile(withThumb.thumbnailPath!);
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    const port = emulator.port;
    await emulator.close();
    await expect(lib.syncNow()).rejects.toThrow();
    expect(lib.state()).toMatchObject({ online: false, problem: 'TwelveLabs cannot be reached.' });
    expect(states.some((s) => !s.online)).toBe(true);
    expect(lib.query().total).toBe(4);
    expect(lib.query().online).toBe(false);
    const cached = lib.detail(ids[1]!);
    expect(cached?.asset).toMatchObject({ id: ids[1], status: 'ready' });
    expect(cached?.asset.thumbnailPath).toBeDefined();

    const outcome = await lib.delete([ids[2]!], { confirmed: true });
    expect(outcome).toEqual([{ id: ids[2], outcome: 'pending' }]);
    expect(lib.detail(ids[2]!)?.asset.deleting).toBe(true);
    expect(lib.state().pendingDeletes).toBe(1);

    emulator = await startEmulator({ processingMs: 600_000, dataDir: join(dir, 'emulator'), port });
    await lib.syncNow();
    expect(lib.state()).toMatchObject({ online: true, pendingDeletes: 0, assetCount: 3 });
    const res = await fetch(`${emulator.url}/assets/${ids[2]}`, { headers: { 'x-api-key': 'k' } });
    expect(res.status).toBe(404);
  }, 30_000);

  it('refuses a delete nobody confirmed', async () => {
    const [id] = await control.seed({ count: 1 });
    const lib = makeLibrary();
    await lib.syncNow();
    await expect(lib.delete([id!], { confirmed: false })).rejects.toThrow(/explicit confirmation/);
    expect(lib.state().assetCount).toBe(1);
  });
});

describe('409: referenced by indexed assets', () => {
  it('blocks with the reason and the count, and deletes only with force', async () => {
    const [referenced, free] = await control.seed({ count: 2 });
    await referenceFromIndex(emulator.url, 'k', referenced!, 2);
    const lib = makeLibrary();
    await lib.syncNow();
    const outcomes = await lib.delete([referenced!, free!], { confirmed: true });
    expect(outcomes).toEqual([
      {
        id: referenced,
        outcome: 'blocked',
        references: 2,
        message: expect.stringMatching(/^2 indexed assets reference this asset/),
      },
      { id: free, outcome: 'deleted' },
    ]);
    expect(lib.detail(referenced!)?.asset.deleteBlocked).toMatchObject({ references: 2 });
    expect(lib.state().assetCount).toBe(1);
    expect(await lib.delete([referenced!], { confirmed: true, force: true })).toEqual([
      { id: referenced, outcome: 'deleted' },
    ]);
    expect(lib.state().assetCount).toBe(0);
  });
});
