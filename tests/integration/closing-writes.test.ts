/**
 * Nothing is written after close (issue seen in a combined run): a thumbnail download that
 * finished after its core closed saved the thumbnail index while the next core of the same data
 * folder, in the same process, had it open, and the two writers collided on one temporary file
 * (`rename … thumbnails.json.<pid>.tmp: ENOENT`). Real parts: the emulator over HTTP behind a
 * local proxy that holds thumbnail downloads open, real data folders, two cores one after the other.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import { AssetLibrary } from '../../electron/core/library/asset-library.ts';
import type { MirrorData } from '../../electron/core/library/library-schema.ts';
import { ThumbnailCache } from '../../electron/core/library/thumbnail-cache.ts';
import { silentLogger, type Logger } from '../../electron/core/ports.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

/** A held thumbnail answer: headers and a first part of the body sent, the rest on release. */
interface Held {
  req: IncomingMessage;
  res: ServerResponse;
  closed: boolean;
}

let emulator: RunningEmulator;
let control: EmulatorControl;
let proxy: Server;
let proxyUrl: string;
/** Whether the proxy holds thumbnail answers (else it passes them on, like every other request). */
let holding = true;
const held: Held[] = [];
/** Whether the proxy holds asset detail requests (a library refresh) until released. */
let holdingDetails = false;
const heldDetails: Array<() => void> = [];
let detailRequests = 0;
let thumbnailRequests = 0;
let dir: string;
let cleanup: () => Promise<void>;

/**
 * Passes every request on to the emulator with its Host header, so that the media URLs the
 * emulator answers with point at the proxy, and holds thumbnail downloads open when asked.
 */
function proxyRequest(req: IncomingMessage, res: ServerResponse): void {
  if (req.url?.endsWith('/thumbnail')) thumbnailRequests++;
  if (holding && req.url?.endsWith('/thumbnail')) {
    const entry: Held = { req, res, closed: false };
    res.on('close', () => (entry.closed = true));
    res.on('error', () => undefined); // the client cut it: what the test looks for
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': '2048' });
    res.write(Buffer.alloc(1024, 1));
    held.push(entry);
    return;
  }
  const detail = req.method === 'GET' && /^\/v1\.3\/assets\/[^/?]+$/.test(req.url ?? '');
  if (detail) detailRequests++;
  if (detail && holdingDetails) heldDetails.push(() => forward(req, res));
  else forward(req, res);
}

function forward(req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(
    { host: '127.0.0.1', port: emulator.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => res.destroy(error));
  req.pipe(upstream);
}

beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 20 });
  control = new EmulatorControl(emulator.origin);
  proxy = createServer(proxyRequest);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1.3`;
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await emulator.close();
});
beforeEach(async () => {
  await control.reset();
  holding = true;
  holdingDetails = false;
  thumbnailRequests = 0;
  detailRequests = 0;
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(async () => {
  for (const h of held.splice(0)) h.res.destroy();
  for (const release of heldDetails.splice(0)) release();
  await cleanup();
});

function recorder(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const note = (message: string, fields?: Record<string, unknown>) =>
    warnings.push(`${message} ${JSON.stringify(fields ?? {})}`);
  return { logger: { ...silentLogger, warn: note, error: note }, warnings };
}

describe('closing while a thumbnail downloads', () => {
  it('close cuts the download and waits for it; the next core of the same folder saves the index alone', async () => {
    const [assetId] = await control.seed({ count: 1, status: 'ready', enableThumbnail: true });
    const dataDir = join(dir, 'data');
    const open = (logger: Logger) =>
      UploaderCore.create({
        dataDir,
        secrets: new MemorySecretStore('test-key'),
        startSandbox: startEmulator,
        overrides: { baseUrl: proxyUrl },
        logger,
      });
    const first = recorder();
    const core = await open(first.logger);
    const thumbnails = join(dataDir, 'account', 'thumbnails');
    const part = join(thumbnails, `${assetId!.toLowerCase()}.img.part`);
    let closed = false;
    try {
      // The library's first sync found the asset and started its thumbnail: half of it is on disk.
      await until('the thumbnail download under way', () => held.length >= 1 && existsSync(part));
      await core.close();
      closed = true;
    } finally {
      if (!closed) await core.close().catch(() => undefined);
    }
    // close() resolved only once the cut download had cleaned up after itself: nothing of it is
    // left to finish, so nothing is written by this core from now on.
    expect(existsSync(part)).toBe(false);
    expect(existsSync(join(thumbnails, `${assetId!.toLowerCase()}.img`))).toBe(false);
    await until('the held download cut by the closed core', () => held[0]!.closed);
    held[0]!.res.end(Buffer.alloc(1024, 1)); // the server would have sent the rest now: too late

    // The next core in this process, on the same folder: its own thumbnail index saves are its
    // alone (a write of the closed core would have collided with them on the temporary file).
    holding = false;
    const second = recorder();
    const next = await open(second.logger);
    try {
      // Its start syncs what changed only (the closed core's full sync is recent); a full sync
      // looks at every thumbnail again (one asked for while the start's runs joins that one).
      const index = join(dataDir, 'account', 'thumbnails.json');
      await until('the thumbnail downloaded by the next core', async () => {
        await next.invoke('library:sync', { full: true });
        return (await readFile(index, 'utf8').catch(() => '')).includes(assetId!);
      });
    } finally {
      await next.close();
    }
    expect(thumbnailRequests).toBe(2);
    const said = [...first.warnings, ...second.warnings].join('\n');
    expect(said).not.toMatch(/could not be saved/);
    const leftovers = (await readdir(join(dataDir, 'account'))).filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });
});

describe('a closed thumbnail cache', () => {
  it('refuses later downloads, forgets and reads that would write, and says so in the log', async () => {
    holding = false;
    const [assetId] = await control.seed({ count: 1, status: 'ready', enableThumbnail: true });
    const detail = await fetch(`${proxyUrl}/assets/${assetId}`, { headers: { 'x-api-key': 'test-key' } });
    const url = ((await detail.json()) as { thumbnail: { representative_url: string } }).thumbnail
      .representative_url;
    const { logger, warnings } = recorder();
    const cache = new ThumbnailCache(
      join(dir, 'thumbnails'),
      new ConfDocumentStore(dir, 'thumbnails'),
      1024 * 1024,
      undefined,
      logger,
    );
    const kept = await cache.fetch(assetId!, url);
    expect(kept).toBe(join(dir, 'thumbnails', `${assetId!.toLowerCase()}.img`));
    await cache.close();
    const saved = await readFile(join(dir, 'thumbnails.json'), 'utf8');

    // After close: no request, no file removed, nothing marked for a save.
    await expect(cache.fetch('0'.repeat(24), url)).resolves.toBeUndefined();
    expect(thumbnailRequests).toBe(1);
    await cache.forget(assetId!);
    expect(existsSync(kept!)).toBe(true);
    expect(cache.cached(assetId!)).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/thumbnails: closed, so the download was not done/);
    expect(warnings.join('\n')).toMatch(/thumbnails: closed, so the forget was not done/);
    // A store closed with nothing left to write: the file is the one close() saved.
    await cache.close();
    expect(await readFile(join(dir, 'thumbnails.json'), 'utf8')).toBe(saved);
  });
});

describe('stopping the library while a refresh is under way', () => {
  it('waits for the refresh and saves its change, then refuses later refreshes', async () => {
    holding = false;
    const [assetId] = await control.seed({ count: 1, status: 'ready' });
    const data = join(dir, 'data');
    const client = new UndiciTwelveLabsClient({ baseUrl: proxyUrl, apiKey: () => 'test-key' });
    const { logger, warnings } = recorder();
    const library = new AssetLibrary({
      client,
      store: new ConfDocumentStore(data, 'library'),
      syncIntervalMs: 3_600_000,
      logger,
    });
    const saved = () => new ConfDocumentStore(data, 'library').load().data as MirrorData;
    try {
      library.start();
      await library.syncNow();
      await control.setStatus(assetId!, 'failed', 'The file could not be decoded.');
      // An upload that just finished asks for a refresh (core-services.ts); the app quits meanwhile.
      holdingDetails = true;
      const refreshing = library.refreshOne(assetId!);
      await until('the refresh under way', () => heldDetails.length === 1);
      const stopping = library.stop();
      heldDetails.shift()!();
      await expect(refreshing).resolves.toMatchObject({ status: 'failed' });
      await stopping;
      // Saved by the stop, which waited for it (a write after it would race the next start).
      expect(saved().assets[assetId!]?.status).toBe('failed');

      await expect(library.refreshOne(assetId!)).resolves.toBeUndefined();
      await expect(library.delete([assetId!], { confirmed: true })).rejects.toThrow(/closing/);
      expect(detailRequests).toBe(1);
      expect(warnings.join('\n')).toMatch(/library: stopped, so the refresh was not done/);
    } finally {
      await library.stop();
      await client.close();
    }
  });
});
