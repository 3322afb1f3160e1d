/**
 * The app's API client against the emulator, over real HTTP, with the emulator's fault injection.
 * Here: round trips and errors; transient faults and rate limits in api-client-faults.test.ts, bytes
 * on disk and multipart in api-client-bytes.test.ts.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import { AbortedError, ApiError, AuthError, NetworkError } from '../../electron/core/api/errors.ts';
import { startEmulator } from '../../emulator/index.ts';
import {
  API_KEY,
  client,
  control,
  dir,
  emulator,
  logger,
  logLines,
  useClientEmulator,
} from '../helpers/api-client-emulator.ts';
import { mp4, png, wav, writeFixture, writeMp4File } from '../helpers/media.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { until } from '../helpers/until.ts';

useClientEmulator();

describe('round trips', () => {
  it('uploads a file with honest progress and follows it until ready', async () => {
    const path = await writeFixture(
      join(dir, 'clip.mp4'),
      mp4({ payloadBytes: 3_000_000, durationSeconds: 9 }),
    );
    const size = (await stat(path)).size;
    const seen: number[] = [];
    const asset = await client.createAssetFromFile(path, {
      filename: 'Clip – été.mp4',
      enableThumbnail: true,
      userMetadata: { project: 'demo', take: 2 },
      onProgress: (sent, total) => {
        expect(total).toBeGreaterThan(size);
        seen.push(sent);
      },
    });
    expect(asset).toMatchObject({
      status: 'processing',
      method: 'direct',
      filename: 'Clip – été.mp4',
      fileType: 'video/mp4',
    });
    expect(seen.length).toBeGreaterThan(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    const updates: string[] = [];
    const ready = await client.waitUntilSettled(asset.id, {
      initialIntervalMs: 10,
      onUpdate: (a) => updates.push(a.status!),
    });
    expect(ready).toMatchObject({
      status: 'ready',
      size,
      duration: 9,
      userMetadata: { project: 'demo', take: 2 },
    });
    expect(ready.thumbnail?.representativeUrl).toMatch(/^http/);
    expect(updates.at(-1)).toBe('ready');
  });

  it('creates from a URL, edits metadata, explains a 409 and deletes with force', async () => {
    const served = await serveFolder(dir);
    try {
      await writeFixture(join(dir, 'tone.wav'), wav(2));
      const asset = await client.createAssetFromUrl(`${served.origin}/tone.wav`, { enableHls: true });
      expect(asset.method).toBe('url');
      const ready = await client.waitUntilSettled(asset.id, { initialIntervalMs: 10 });
      // A WAV is nothing the Sandbox can stream as it is (emulator/hls-stream.ts): HLS asked for, not made.
      expect(ready).toMatchObject({ status: 'ready', duration: 2, hls: { status: 'error' } });

      await client.updateUserMetadata(asset.id, { a: 1, b: 'x' });
      await client.updateUserMetadata(asset.id, { a: null });
      expect((await client.retrieveAsset(asset.id)).userMetadata).toEqual({ b: 'x' });
      await client.replaceUserMetadata(asset.id, { c: true });
      expect((await client.retrieveAsset(asset.id)).userMetadata).toEqual({ c: true });
      await client.clearUserMetadata(asset.id);
      expect((await client.retrieveAsset(asset.id)).userMetadata).toBeUndefined();

      const index = await fetch(`${emulator.url}/indexes`, {
        method: 'POST',
        headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
        body: JSON.stringify({
          index_name: 'search',
          models: [{ model_name: 'marengo3.0', model_options: ['visual'] }],
        }),
      }).then((r) => r.json() as Promise<{ _id: string }>);
      await fetch(`${emulator.url}/indexes/${index._id}/indexed-assets`, {
        method: 'POST',
        headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
        body: JSON.stringify({ asset_id: asset.id }),
      });
      const conflict = await client.deleteAsset(asset.id).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(ApiError);
      expect((conflict as ApiError).status).toBe(409);
      expect((conflict as ApiError).retryable).toBe(false);
      const refs = await client.listIndexedAssets(asset.id);
      expect(refs.data).toEqual([{ id: expect.any(String), indexId: index._id, indexName: 'search' }]);
      await client.deleteAsset(asset.id, { force: true });
      const gone = await client.retrieveAsset(asset.id).catch((e: unknown) => e);
      expect((gone as ApiError).status).toBe(404);
      expect((gone as ApiError).code).toBe('resource_not_exist');
    } finally {
      await served.close();
    }
  });

  it('walks 120 assets in pages of 50 and filters', async () => {
    const videos = await control.seed({ count: 100, kind: 'video', filenamePrefix: 'clip' });
    await control.seed({ count: 20, kind: 'image', filenamePrefix: 'still' });
    await control.clearRequests();
    const all = [];
    for await (const asset of client.listAssets({}, { pageLimit: 50 })) all.push(asset);
    expect(all).toHaveLength(120);
    expect(new Set(all.map((a) => a.id)).size).toBe(120);
    // The last page is known from page_info: no extra request for an empty page.
    expect(await control.requests('assets.list')).toHaveLength(3);

    const images = [];
    for await (const a of client.listAssets({ assetTypes: ['image'] })) images.push(a);
    expect(images).toHaveLength(20);
    const named = await client.listAssetsPage({ filename: 'CLIP-0000', pageLimit: 50 });
    expect(named.data).toHaveLength(9);
    const byIds = await client.listAssetsPage({ assetIds: [videos[0]!, videos[5]!] });
    expect(byIds.data.map((a) => a.id).sort()).toEqual([videos[0], videos[5]].sort());
  });
});

describe('errors', () => {
  it('does not retry a permanent 400 and says why', async () => {
    const path = await writeFixture(join(dir, 'huge.png'), png(8, 8, 32_200_000));
    const error = await client.createAssetFromFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'parameter_invalid', retryable: false });
    expect((error as Error).message).toMatch(/32 MB limit/);
    expect(await control.requests('assets.create')).toHaveLength(1);
  });

  it('maps 401 to AuthError without ever echoing the key', async () => {
    const strict = await startEmulator({ apiKey: 'the-right-key' });
    const wrong = new UndiciTwelveLabsClient({ baseUrl: strict.url, apiKey: () => API_KEY, logger });
    try {
      const error = await wrong.listAssetsPage().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).not.toContain(API_KEY);
      expect((error as Error).message).toMatch(/API key was refused/);
    } finally {
      await wrong.close();
      await strict.close();
    }
  });

  it('reports a refused connection as a NetworkError after bounded retries', async () => {
    const dead = new UndiciTwelveLabsClient({
      baseUrl: 'http://127.0.0.1:9/v1.3',
      apiKey: () => API_KEY,
      logger,
      backoff: { maxAttempts: 3, maxTotalMs: 5_000, baseDelayMs: 10, maxDelayMs: 20 },
    });
    try {
      const error = await dead.listAssetsPage().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
      expect(logLines.filter((l) => l.startsWith('request failed; retrying'))).toHaveLength(2);
      // A create refused before a byte of it went out cannot have made anything: retried too.
      logLines.length = 0;
      const create = await dead.createAssetFromUrl('https://example.com/a.mp4').catch((e: unknown) => e);
      expect(create).toBeInstanceOf(NetworkError);
      expect(logLines.filter((l) => l.startsWith('request failed; retrying'))).toHaveLength(2);
    } finally {
      await dead.close();
    }
  });

  it('cancels an upload in flight and leaves no asset behind', async () => {
    await control.settings({ ingestBytesPerSecond: 2_000_000 });
    try {
      const path = await writeMp4File(join(dir, 'cancel.mp4'), 20_000_000, 4);
      const controller = new AbortController();
      const upload = client.createAssetFromFile(path, {
        signal: controller.signal,
        onProgress: (sent) => {
          if (sent > 3_000_000) controller.abort();
        },
      });
      await expect(upload).rejects.toBeInstanceOf(AbortedError);
      // The emulator's request log says when it has given up on each request: then none may have made an asset.
      await until('the emulator to settle every request', async () => {
        const log = await control.requests();
        return log.length > 0 && log.every((r) => r.settled);
      });
      expect((await client.listAssetsPage()).data).toEqual([]);
    } finally {
      await control.settings({ ingestBytesPerSecond: 0 });
    }
  });
});
