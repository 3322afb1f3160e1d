/** The app's API client against the emulator, over real HTTP, with the emulator's fault injection. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import {
  AbortedError,
  ApiError,
  AuthError,
  NetworkError,
  OutcomeUnknownError,
  RateLimitedError,
  StallError,
} from '../../electron/core/api/errors.ts';
import {
  runMultipartUpload,
  startMultipartUpload,
  type MultipartHandle,
} from '../../electron/core/api/multipart-upload.ts';
import { systemClock, type Logger } from '../../electron/core/ports.ts';
import { TokenBucketLimiter } from '../../electron/core/queue/bandwidth.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { mp4, png, wav, writeFixture, writeMp4File } from '../helpers/media.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let client: UndiciTwelveLabsClient;
let dir: string;
let cleanup: () => Promise<void>;
const logLines: string[] = [];
const logger: Logger = {
  debug: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  info: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  warn: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  error: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
};
const API_KEY = 'tlk_secret_key_for_tests';
const FAST_BACKOFF = { maxAttempts: 5, maxTotalMs: 60_000, baseDelayMs: 50, maxDelayMs: 500 };

function makeClient(overrides: Partial<ConstructorParameters<typeof UndiciTwelveLabsClient>[0]> = {}) {
  return new UndiciTwelveLabsClient({
    baseUrl: emulator.url,
    apiKey: () => API_KEY,
    logger,
    backoff: FAST_BACKOFF,
    ...overrides,
  });
}

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 30 });
  control = new EmulatorControl(emulator.origin);
  client = makeClient();
});
afterAll(async () => {
  await client.close();
  await emulator.close();
  await cleanup();
});
beforeEach(async () => {
  await control.reset();
  logLines.length = 0;
});
afterEach(() => {
  // Whatever happened, neither the key nor a presigned query string reached a log line.
  for (const line of logLines) {
    expect(line).not.toContain(API_KEY);
    expect(line).not.toMatch(/X-Amz-Signature=/);
  }
});

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

describe('transient faults are survived', () => {
  it('never sends a create again on its own once its body started: a cut surfaces as OutcomeUnknownError', async () => {
    // The queue looks for what the request made before sending again (lost-answer.test.ts).
    await control.addFaults({ kind: 'drop', route: 'assets.create', afterBytes: 400_000, count: 1 });
    const path = await writeFixture(join(dir, 'drop.mp4'), mp4({ payloadBytes: 2_000_000 }));
    const error = await client.createAssetFromFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).underlying).toBeInstanceOf(NetworkError);
    expect(await control.requests('assets.create')).toHaveLength(1);
    expect((await client.listAssetsPage()).data).toHaveLength(0);
  });

  it('retries 503s', async () => {
    await control.addFaults({ kind: 'status', route: 'assets.list', status: 503, count: 2 });
    await client.listAssetsPage();
    expect((await control.requests('assets.list')).map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('waits out a 30 s latency spike', async () => {
    await control.addFaults({ kind: 'latency', route: 'assets.list', ms: 30_000, count: 1 });
    const page = await client.listAssetsPage();
    expect(page.data).toEqual([]);
    expect(await control.requests('assets.list')).toHaveLength(1);
  }, 45_000);

  it('detects a stalled chunk upload, aborts it and sends it again (a PUT is safe to repeat)', async () => {
    const stalling = makeClient({ stallTimeoutMs: 1_500 });
    const size = 60_000_000;
    try {
      // The emulator does not read the first chunk's body for 8 s: once the socket buffers are
      // full, no byte moves. A slow upload that keeps moving is never a stall (see below).
      await control.settings({ chunkSize: size });
      await control.addFaults({ kind: 'latency', route: 'storage.put', ms: 8_000, count: 1 });
      const path = await writeMp4File(join(dir, 'stall.mp4'), size, 5);
      const { handle, urls } = await startMultipartUpload(stalling, {
        path,
        size,
        type: 'video',
        filename: 'stall.mp4',
      });
      await runMultipartUpload(stalling, handle, {}, urls);
      expect(logLines.some((l) => l.includes('stalled'))).toBe(true);
      expect(await control.requests('storage.put')).toHaveLength(2);
    } finally {
      await control.settings({ chunkSize: null });
      await stalling.close();
    }
  }, 30_000);

  it('a stalled create is not sent again: OutcomeUnknownError over the StallError, body incomplete', async () => {
    const once = makeClient({ stallTimeoutMs: 1_000 });
    try {
      await control.addFaults({ kind: 'latency', route: 'assets.create', ms: 4_000, count: 1 });
      const path = await writeMp4File(join(dir, 'stall-once.mp4'), 60_000_000, 10);
      const error = await once.createAssetFromFile(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(error).toMatchObject({ bodyComplete: false, retryable: true });
      expect((error as OutcomeUnknownError).underlying).toBeInstanceOf(StallError);
      expect(await control.requests('assets.create')).toHaveLength(1);
    } finally {
      await once.close();
    }
  }, 30_000);

  it('never calls a slow but moving upload a stall', async () => {
    const patient = makeClient({ stallTimeoutMs: 1_000 });
    await control.settings({ ingestBytesPerSecond: 1_500_000 });
    try {
      const path = await writeMp4File(join(dir, 'slow.mp4'), 4_000_000, 6);
      await patient.createAssetFromFile(path);
      expect(await control.requests('assets.create')).toHaveLength(1);
    } finally {
      await control.settings({ ingestBytesPerSecond: 0 });
      await patient.close();
    }
  }, 30_000);
});

describe('rate limits', () => {
  it('five parallel uploads meet a 429 with Retry-After: 3 and wait together', async () => {
    await control.addFaults({
      kind: 'status',
      route: 'assets.create',
      status: 429,
      count: 5,
      headers: { 'Retry-After': '3' },
    });
    const path = await writeFixture(join(dir, 'r.wav'), wav(0.5));
    const uploads = Array.from({ length: 5 }, () => client.createAssetFromFile(path));
    const assets = await Promise.all(uploads);
    expect(new Set(assets.map((a) => a.id)).size).toBe(5);
    const log = await control.requests('assets.create');
    const limited = log.filter((r) => r.status === 429);
    // Usually all five; one may have been cut by a reset connection before its answer was logged.
    expect(limited.length).toBeGreaterThan(0);
    const lastLimited = Math.max(...limited.map((r) => r.at));
    const firstLimited = Math.min(...limited.map((r) => r.at));
    // No request of the category reached the emulator during the Retry-After window.
    // Requests already on their way when the first 429 went out may land just after it; from a
    // quarter second on, the gate is closed for everyone until Retry-After has passed.
    const inWindow = log.filter(
      (r) => r.at > Math.max(lastLimited, firstLimited + 250) && r.at < firstLimited + 3_000,
    );
    expect(inWindow).toEqual([]);
    expect(log.filter((r) => r.status === 201)).toHaveLength(5);
    // Other categories were not held up by it.
    await client.listAssetsPage();
  }, 30_000);

  it('follows X-Ratelimit-Reset from a real limit, and gives up with RateLimitedError when the budget ends', async () => {
    await control.settings({ rateLimits: { 'assets:create': { limit: 1, windowSeconds: 2 } } });
    const path = await writeFixture(join(dir, 'rl.wav'), wav(0.2));
    try {
      const both = await Promise.all([client.createAssetFromFile(path), client.createAssetFromFile(path)]);
      expect(both).toHaveLength(2);
      const impatient = makeClient({
        backoff: { maxAttempts: 2, maxTotalMs: 1_000, baseDelayMs: 10, maxDelayMs: 10 },
      });
      await control.settings({ rateLimits: { 'assets:create': { limit: 0, windowSeconds: 60 } } });
      const error = await impatient.createAssetFromFile(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(50_000);
      await impatient.close();
    } finally {
      await control.settings({ rateLimits: {} });
    }
  }, 30_000);
});

describe('bytes arrive exactly as on disk', () => {
  // The file reader reuses one buffer (file-range.ts): these uploads run while the socket cannot
  // keep up (the emulator reads slowly, so writes stay queued) and with pieces cut by a bandwidth
  // limiter, the conditions under which a buffer overwritten too early would corrupt the upload
  // (checked: with 4 KiB limiter pieces, which the writer does not wait for, the hashes differ).
  const sha256 = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const storedBlob = async (assetId: string) => {
    for (let i = 0; i < 200; i++) {
      const blob = emulator.core.state.assets.get(assetId)?.blobPath;
      if (blob) return blob;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`asset ${assetId} has no stored bytes`);
  };

  it('direct and multipart, throttled by the server and by our limiter', async () => {
    await control.settings({ ingestBytesPerSecond: 3_000_000, chunkSize: 5 * 1024 * 1024 });
    try {
      // Odd sizes, so the last read, the last limiter piece and the last chunk are all partial.
      const direct = await writeMp4File(join(dir, 'exact-direct.mp4'), 6 * 1024 * 1024 + 12_345, 21);
      const big = await writeMp4File(join(dir, 'exact-multipart.mp4'), 12 * 1024 * 1024 + 777, 22);
      const limiter = new TokenBucketLimiter(20_000_000, systemClock);
      const [asset, multipart] = await Promise.all([
        client.createAssetFromFile(direct, { limiter }),
        (async () => {
          const { handle, urls } = await startMultipartUpload(client, {
            path: big,
            size: (await stat(big)).size,
            type: 'video',
            filename: 'exact-multipart.mp4',
          });
          return runMultipartUpload(client, handle, { concurrency: 3 }, urls);
        })(),
      ]);
      expect(await sha256(await storedBlob(asset.id))).toBe(await sha256(direct));
      expect(await sha256(await storedBlob(multipart.assetId))).toBe(await sha256(big));
    } finally {
      await control.settings({ ingestBytesPerSecond: 0, chunkSize: null });
    }
  }, 30_000);
});

describe('multipart', () => {
  it('re-requests a used or expired URL by itself', async () => {
    await control.settings({ chunkSize: 1_000_000, presignedUrlTtlMs: 1 });
    const path = await writeMp4File(join(dir, 'mp.mp4'), 5_500_000, 8);
    const { handle, urls } = await startMultipartUpload(client, {
      path,
      size: 5_500_000,
      type: 'video',
      filename: 'mp.mp4',
    });
    expect(handle.totalChunks).toBe(6);
    await control.settings({ presignedUrlTtlMs: 3_600_000 });
    // The first URLs have expired (TTL 1 ms): the uploader asks for fresh ones.
    await runMultipartUpload(client, handle, {}, urls);
    const ready = await client.waitUntilSettled(handle.assetId, { initialIntervalMs: 10 });
    expect(ready).toMatchObject({ status: 'ready', size: 5_500_000, method: 'multipart' });
    expect((await control.requests('multipart.presign')).length).toBeGreaterThan(0);
    await control.settings({ chunkSize: null });
  });

  it('a 600 MB upload killed halfway resumes from its handle and sends only the missing chunks', async () => {
    const size = 600 * 1024 * 1024;
    const path = await writeMp4File(join(dir, 'big.mp4'), size, 9);
    const handlePath = join(dir, 'handle.json');
    // Slow the link a little so there is a "halfway" to kill at.
    await control.settings({ ingestBytesPerSecond: 150 * 1024 * 1024 });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/helpers/multipart-child.ts', emulator.url, path, handlePath],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let saved: MultipartHandle | undefined;
    let exited = false;
    child.on('exit', () => (exited = true));
    for (;;) {
      expect(exited, 'the uploader finished or died before halfway').toBe(false);
      await new Promise((r) => setTimeout(r, 50));
      saved = await readFile(handlePath, 'utf8').then(
        (t) => JSON.parse(t) as MultipartHandle,
        () => undefined,
      );
      if (saved && Object.keys(saved.chunks).length >= saved.totalChunks / 2) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    await control.settings({ ingestBytesPerSecond: 0 });

    saved = JSON.parse(await readFile(handlePath, 'utf8')) as MultipartHandle;
    const doneChunks = Object.keys(saved.chunks).length;
    expect(doneChunks).toBeLessThan(saved.totalChunks);
    const putsBefore = (await control.requests('storage.put')).length;

    const result = await runMultipartUpload(client, saved);
    expect(result.assetId).toBe(saved.assetId);
    const after = (await control.requests('storage.put')).slice(putsBefore);
    const missing = saved.totalChunks - doneChunks;
    expect(after).toHaveLength(missing);
    const resentBytes = after.reduce((sum, r) => sum + r.bodyBytes, 0);
    expect(resentBytes).toBeLessThanOrEqual(missing * saved.chunkSize);
    expect(resentBytes).toBeGreaterThan((missing - 1) * saved.chunkSize);
    const ready = await client.waitUntilSettled(saved.assetId, { initialIntervalMs: 20 });
    expect(ready).toMatchObject({ status: 'ready', size, method: 'multipart' });
    expect((await client.listAssetsPage()).data).toHaveLength(1);
  }, 120_000);
});
