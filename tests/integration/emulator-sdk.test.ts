/**
 * The official SDK (twelvelabs-js 1.3.4) against the emulator over real HTTP: if the SDK cannot
 * tell the emulator from the platform, the emulator speaks the wire format of the reference.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MultipartUploadWrapper,
  TwelvelabsApi,
  TwelvelabsApiClient,
  TwelvelabsApiError,
} from 'twelvelabs-js';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { JPEG_16x8, mp4, png, wav, writeFixture, writeMp4File } from '../helpers/media.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let sdk: TwelvelabsApiClient;
let dir: string;
let cleanupDir: () => Promise<void>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntilSettled(id: string) {
  for (let i = 0; i < 200; i++) {
    const asset = await sdk.assets.retrieve(id);
    if (asset.status !== 'processing') return asset;
    await sleep(25);
  }
  throw new Error(`asset ${id} never settled`);
}

/** The parsed body behind an SDK page (the SDK keeps it in a private field). */
function pageResponse(page: object): Record<string, unknown> & { pageInfo?: unknown; status?: unknown } {
  return (page as unknown as { response: Record<string, unknown> }).response;
}

async function expectApiError(promise: Promise<unknown>, status: number, code?: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected HTTP ${status}`).toBeInstanceOf(TwelvelabsApiError);
  const apiError = error as TwelvelabsApiError;
  expect(apiError.statusCode).toBe(status);
  if (code) expect((apiError.body as { code: string }).code).toBe(code);
  return apiError;
}

beforeAll(async () => {
  ({ dir, cleanup: cleanupDir } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 50 });
  control = new EmulatorControl(emulator.origin);
  sdk = new TwelvelabsApiClient({ apiKey: 'test-key', baseUrl: emulator.url });
});

afterAll(async () => {
  await emulator.close();
  await cleanupDir();
});

beforeEach(async () => {
  await control.reset();
});

describe('create from a file stream', () => {
  it('creates a video that turns ready with size, duration and technical metadata', async () => {
    const path = await writeFixture(
      join(dir, 'clip.mp4'),
      mp4({ durationSeconds: 42.5, width: 1280, height: 720 }),
    );
    const created = await sdk.assets.create({
      method: 'direct',
      file: createReadStream(path),
      filename: 'my clip.mp4',
      enableHls: true,
      enableThumbnail: true,
      userMetadata: JSON.stringify({ project: 'demo', take: 3 }),
    });
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.status).toBe('processing');
    expect(created.method).toBe('direct');
    expect(created.filename).toBe('my clip.mp4');
    expect(created.fileType).toBe('video/mp4');
    expect(created.userMetadata).toEqual({ project: 'demo', take: 3 });
    expect(created.createdAt).toBeInstanceOf(Date); // the SDK parses RFC 3339 strings only

    const processing = await sdk.assets.retrieve(created.id!);
    expect(processing.technicalMetadata).toBeUndefined();

    const ready = await waitUntilSettled(created.id!);
    expect(ready.status).toBe('ready');
    expect(ready.size).toBe(mp4({ durationSeconds: 42.5 }).length);
    expect(ready.duration).toBeCloseTo(42.5, 3);
    expect(ready.technicalMetadata).toMatchObject({ videoWidth: 1280, videoHeight: 720, hasAudio: true });
    // Not a fragmented MP4 nor MPEG-TS: the Sandbox makes no stream of it and says so
    // (emulator-hls.test.ts plays the ones it can).
    expect(ready.hls?.status).toBe('error');
    expect(ready.hls?.manifestUrl).toBeUndefined();
    expect(ready.thumbnail?.status).toBe('ready');
    const thumb = await fetch(ready.thumbnail!.representativeUrl!);
    expect(thumb.headers.get('content-type')).toBe('image/png');
    expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it('reads WAV duration and serves an image as its own thumbnail', async () => {
    const audio = await sdk.assets.create({
      method: 'direct',
      file: createReadStream(await writeFixture(join(dir, 'tone.wav'), wav(3))),
    });
    const image = await sdk.assets.create({
      method: 'direct',
      file: createReadStream(await writeFixture(join(dir, 'still.jpg'), JPEG_16x8)),
      enableThumbnail: true,
      enableHls: true,
    });
    const a = await waitUntilSettled(audio.id!);
    expect(a.duration).toBeCloseTo(3, 3);
    expect(a.fileType).toBe('audio/wav');
    const i = await waitUntilSettled(image.id!);
    expect(i.status).toBe('ready');
    expect(i.duration).toBeUndefined();
    expect(i.hls).toBeUndefined(); // HLS is for video and audio only
    expect(i.technicalMetadata).toMatchObject({ imageWidth: 16, imageHeight: 8 });
    const thumb = Buffer.from(await (await fetch(i.thumbnail!.representativeUrl!)).arrayBuffer());
    expect(thumb.equals(JPEG_16x8)).toBe(true);
  });

  it('detects the type from the bytes, not the name, and fails content that is not media', async () => {
    const disguised = await writeFixture(join(dir, 'movie.bin'), png());
    const text = await writeFixture(
      join(dir, 'notes.mp4'),
      Buffer.from('just some text, not a video at all '.repeat(40)),
    );
    const img = await sdk.assets.create({ method: 'direct', file: createReadStream(disguised) });
    expect(img.fileType).toBe('image/png');
    const bad = await sdk.assets.create({ method: 'direct', file: createReadStream(text) });
    const failed = await waitUntilSettled(bad.id!);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/not a supported video, audio or image/);
    expect(failed.size).toBeUndefined();
  });

  it('answers the documented 400 bodies', async () => {
    const missing = await expectApiError(
      sdk.assets.create({ method: 'direct' }, { maxRetries: 0 }),
      400,
      'parameter_not_provided',
    );
    expect(missing).toBeInstanceOf(TwelvelabsApi.BadRequestError);
    expect((missing.body as { message: string }).message).toBe(
      'The file parameter is required but was not provided.',
    );
    await expectApiError(
      sdk.assets.create({ method: 'url' }, { maxRetries: 0 }),
      400,
      'parameter_not_provided',
    );
    await expectApiError(
      sdk.assets.create({ method: 'url', url: 'ftp://example.com/a.mp4' }, { maxRetries: 0 }),
      400,
      'parameter_invalid',
    );
    const big = await writeFixture(join(dir, 'big.png'), png(8, 8, 32_100_000));
    const tooBig = await expectApiError(
      sdk.assets.create({ method: 'direct', file: createReadStream(big) }, { maxRetries: 0 }),
      400,
      'parameter_invalid',
    );
    expect((tooBig.body as { message: string }).message).toMatch(/32 MB limit/);
    // Nothing is left behind by a rejected upload.
    expect((await sdk.assets.list()).data).toHaveLength(0);
  });
});

describe('create from a URL', () => {
  it('downloads the file itself and processes it, or fails with a reason', async () => {
    const served = await serveFolder(dir);
    try {
      await writeFixture(join(dir, 'remote.mp4'), mp4({ durationSeconds: 7 }));
      const ok = await sdk.assets.create({ method: 'url', url: `${served.origin}/remote.mp4` });
      expect(ok.method).toBe('url');
      expect(ok.status).toBe('processing');
      expect(ok.filename).toBe('remote.mp4');
      const ready = await waitUntilSettled(ok.id!);
      expect(ready.status).toBe('ready');
      expect(ready.duration).toBeCloseTo(7, 3);

      const gone = await sdk.assets.create({ method: 'url', url: `${served.origin}/missing.mp4` });
      const failed = await waitUntilSettled(gone.id!);
      expect(failed.status).toBe('failed');
      expect(failed.error?.message).toMatch(/HTTP 404/);
    } finally {
      await served.close();
    }
  });
});

describe('list', () => {
  it('pages newest first to an empty page, with every filter', async () => {
    const videos = await control.seed({ count: 23, kind: 'video', filenamePrefix: 'Beach' });
    const images = await control.seed({ count: 4, kind: 'image', filenamePrefix: 'poster' });
    await control.clearRequests();

    const seen: string[] = [];
    for await (const asset of await sdk.assets.list({ pageLimit: 10 })) seen.push(asset.id!);
    expect(seen).toHaveLength(27);
    expect(seen.slice(0, 4)).toEqual([...images].reverse());
    expect(seen.at(-1)).toBe(videos[0]);
    // 3 full pages then the empty page that ends the SDK's iteration (§8.3).
    expect(await control.requests('assets.list')).toHaveLength(4);

    const page = await sdk.assets.list({ page: 1, pageLimit: 10 });
    expect(pageResponse(page).pageInfo).toEqual({
      limitPerPage: 10,
      page: 1,
      totalPage: 3,
      totalResults: 27,
    });

    const byType = await sdk.assets.list({ assetTypes: ['image'], pageLimit: 50 });
    expect(byType.data.map((a) => a.id).sort()).toEqual([...images].sort());
    const byName = await sdk.assets.list({ filename: 'bEaCh-0001', pageLimit: 50 });
    expect(byName.data.map((a) => a.filename).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `Beach-${String(10 + i).padStart(5, '0')}.mp4`),
    );
    const byIds = await sdk.assets.list({ assetIds: [videos[0]!, images[1]!] });
    expect(byIds.data.map((a) => a.id)).toEqual([images[1], videos[0]]);

    // Comma lists and JSON arrays are accepted too (the docs' curl examples).
    for (const query of [
      `asset_ids=${videos[0]},${images[1]}`,
      `asset_ids=${encodeURIComponent(JSON.stringify([videos[0], images[1]]))}`,
    ]) {
      const res = await fetch(`${emulator.url}/assets?${query}`, { headers: { 'x-api-key': 'k' } });
      expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(2);
    }
  });

  it('rejects page_limit above 50 and answers past the end with an empty page', async () => {
    await control.seed({ count: 3 });
    await expectApiError(sdk.assets.list({ pageLimit: 51 }, { maxRetries: 0 }), 400, 'parameter_invalid');
    const past = await sdk.assets.list({ page: 5, pageLimit: 2 });
    expect(past.data).toEqual([]);
    expect(pageResponse(past).pageInfo).toEqual({ limitPerPage: 2, page: 5, totalPage: 2, totalResults: 3 });
  });
});

describe('retrieve and delete', () => {
  it('maps an unknown id to NotFoundError with the platform body', async () => {
    const error = await expectApiError(
      sdk.assets.retrieve('0123456789abcdef01234567', { maxRetries: 0 }),
      404,
      'resource_not_exist',
    );
    expect(error).toBeInstanceOf(TwelvelabsApi.NotFoundError);
  });

  it('refuses to delete an indexed asset with ConflictError, and deletes it with force', async () => {
    const [id] = await control.seed({ count: 1 });
    const index = await sdk.indexes.create({
      indexName: 'library',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual', 'audio'] }],
    });
    const indexed = await sdk.indexes.indexedAssets.create(index.id!, { assetId: id! });
    expect(indexed.id).toMatch(/^[0-9a-f]{24}$/);

    const refs = await fetch(`${emulator.url}/assets/${id}/indexed-assets`, {
      headers: { 'x-api-key': 'k' },
    });
    expect(await refs.json()).toMatchObject({
      data: [{ _id: indexed.id, index: { _id: index.id } }],
      page_info: { total_results: 1 },
    });

    const conflict = await expectApiError(sdk.assets.delete(id!, {}, { maxRetries: 0 }), 409);
    expect(conflict).toBeInstanceOf(TwelvelabsApi.ConflictError);
    expect((conflict.body as { message: string }).message).toMatch(/indexed assets are referencing it/);
    await sdk.assets.retrieve(id!); // still there

    await sdk.assets.delete(id!, { force: true });
    await expectApiError(sdk.assets.retrieve(id!, { maxRetries: 0 }), 404);
  });

  it('deletes an unreferenced asset with 204 and refuses to index one still processing', async () => {
    await control.settings({ processingMs: 60_000 });
    const [slow] = await control.seed({ count: 1, status: 'processing' });
    const index = await sdk.indexes.create({
      indexName: 'x',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual'] }],
    });
    await expectApiError(
      sdk.indexes.indexedAssets.create(index.id!, { assetId: slow! }, { maxRetries: 0 }),
      400,
      'parameter_invalid',
    );
    const raw = await fetch(`${emulator.url}/assets/${slow}`, {
      method: 'DELETE',
      headers: { 'x-api-key': 'k' },
    });
    expect(raw.status).toBe(204);
    expect(await raw.text()).toBe('');
    await control.settings({ processingMs: 50 });
  });
});

describe('user metadata', () => {
  it('merges with PATCH, replaces with PUT and clears with DELETE', async () => {
    const path = await writeFixture(join(dir, 'm.wav'), wav(0.5));
    const created = await sdk.assets.create({
      method: 'direct',
      file: createReadStream(path),
      userMetadata: JSON.stringify({ keep: 'yes', drop: 1, same: true }),
    });
    const id = created.id!;
    await sdk.assets.updateUserMetadata(id, { userMetadata: { drop: null, added: 2.5, keep: '' } as never });
    expect((await sdk.assets.retrieve(id)).userMetadata).toEqual({ keep: 'yes', same: true, added: 2.5 });
    await sdk.assets.replaceUserMetadata(id, { userMetadata: { only: 'this', ignored: '' } });
    expect((await sdk.assets.retrieve(id)).userMetadata).toEqual({ only: 'this' });
    await sdk.assets.deleteUserMetadata(id);
    expect((await sdk.assets.retrieve(id)).userMetadata).toBeUndefined();
    await expectApiError(
      sdk.assets.replaceUserMetadata(id, { userMetadata: { nested: { no: 1 } } as never }, { maxRetries: 0 }),
      400,
      'parameter_invalid',
    );
  });
});

describe('rate limits and auth', () => {
  it('answers 429 with Retry-After and the X-Ratelimit headers once the window is used up', async () => {
    await control.settings({ rateLimits: { 'assets:create': { limit: 2, windowSeconds: 60 } } });
    try {
      const path = await writeFixture(join(dir, 'r.wav'), wav(0.2));
      const first = await sdk.assets
        .create({ method: 'direct', file: createReadStream(path) })
        .withRawResponse();
      expect(first.rawResponse.headers.get('x-ratelimit-limit')).toBe('2');
      expect(first.rawResponse.headers.get('x-ratelimit-remaining')).toBe('1');
      expect(first.rawResponse.headers.get('x-ratelimit-used')).toBe('1');
      await sdk.assets.create({ method: 'direct', file: createReadStream(path) });
      const limited = await expectApiError(
        sdk.assets.create({ method: 'direct', file: createReadStream(path) }, { maxRetries: 0 }),
        429,
        'too_many_requests',
      );
      const headers = limited.rawResponse!.headers;
      expect(Number(headers.get('retry-after'))).toBeGreaterThan(50);
      expect(headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      // Reads are another category and are not limited.
      await sdk.assets.list();
    } finally {
      await control.settings({ rateLimits: {} });
    }
  });

  it('demands the configured key', async () => {
    const strict = await startEmulator({ apiKey: 'right-key' });
    try {
      const wrong = new TwelvelabsApiClient({ apiKey: 'wrong-key', baseUrl: strict.url });
      const error = await expectApiError(wrong.assets.list({}, { maxRetries: 0 }), 401, 'api_key_invalid');
      expect(error.message).not.toContain('wrong-key');
      const right = new TwelvelabsApiClient({ apiKey: 'right-key', baseUrl: strict.url });
      expect((await right.assets.list()).data).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});

describe('multipart upload', () => {
  it('uploads a file above 200 MB with the SDK wrapper, and the asset turns ready', async () => {
    const path = await writeMp4File(join(dir, 'large.mp4'), 210 * 1024 * 1024 + 12345, 7, 95);
    const wrapper = new MultipartUploadWrapper({ apiKey: 'k', baseUrl: emulator.url });
    const log = console.log;
    console.log = () => undefined; // the wrapper narrates every step
    let result;
    try {
      result = await wrapper.uploadFile(path, { filename: 'large.mp4' });
    } finally {
      console.log = log;
    }
    expect(result.assetId).toMatch(/^[0-9a-f]{24}$/);
    expect(result.assetUrl).toContain(result.assetId);
    const ready = await waitUntilSettled(result.assetId);
    expect(ready).toMatchObject({
      status: 'ready',
      method: 'multipart',
      filename: 'large.mp4',
      size: 210 * 1024 * 1024 + 12345,
    });
    expect(ready.duration).toBeCloseTo(95, 3);
    const puts = await control.requests('storage.put');
    expect(puts).toHaveLength(Math.ceil((210 * 1024 * 1024 + 12345) / (5 * 1024 * 1024)));
    // The session is complete, so it is no longer listed as incomplete.
    expect((await sdk.multipartUpload.listIncompleteUploads()).data).toEqual([]);
  }, 120_000);

  it('serves single-use, expiring presigned URLs and counts duplicate chunk reports', async () => {
    await control.settings({ chunkSize: 1000, initialPresignedUrls: 2, presignedUrlTtlMs: 60_000 });
    try {
      const bytes = mp4({ payloadBytes: 2500 });
      const session = await sdk.multipartUpload.create({
        filename: 'small.mp4',
        type: 'video',
        totalSize: bytes.length,
      });
      expect(session.totalChunks).toBe(Math.ceil(bytes.length / 1000));
      expect(session.uploadUrls).toHaveLength(2);
      const incomplete = await sdk.multipartUpload.listIncompleteUploads();
      expect(incomplete.data).toMatchObject([
        { uploadId: session.uploadId, status: 'active', totalChunks: session.totalChunks },
      ]);
      // The reserved asset is not listed before its upload completes.
      expect((await sdk.assets.list()).data).toEqual([]);

      const put = (url: string, index: number) =>
        fetch(url, { method: 'PUT', body: bytes.subarray((index - 1) * 1000, index * 1000) });
      const first = await put(session.uploadUrls![0]!.url!, 1);
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect((await put(session.uploadUrls![0]!.url!, 1)).status).toBe(403); // used once already

      const reported = await sdk.multipartUpload.reportChunkBatch(session.uploadId!, {
        completedChunks: [
          { chunkIndex: 1, proof: etag.replace(/"/g, ''), proofType: 'etag', chunkSize: 1000 },
        ],
      });
      expect(reported).toMatchObject({ processedChunks: 1, duplicateChunks: 0, totalCompleted: 1 });
      expect(reported.url).toBeUndefined();
      const again = await sdk.multipartUpload.reportChunkBatch(session.uploadId!, {
        completedChunks: [{ chunkIndex: 1, proof: etag, proofType: 'etag', chunkSize: 1000 }],
      });
      expect(again).toMatchObject({ processedChunks: 0, duplicateChunks: 1, totalCompleted: 1 });
      await expectApiError(
        sdk.multipartUpload.reportChunkBatch(
          session.uploadId!,
          { completedChunks: [{ chunkIndex: 2, proof: 'abc', proofType: 'etag', chunkSize: 1000 }] },
          { maxRetries: 0 },
        ),
        400,
        'parameter_invalid',
      );

      const status = await sdk.multipartUpload.getStatus(session.uploadId!, { pageLimit: 2 });
      expect(status.data).toMatchObject([
        { index: 1, status: 'completed' },
        { index: 2, status: 'pending' },
      ]);

      // An expired URL is refused; fresh ones come from presigned-urls.
      await control.settings({ presignedUrlTtlMs: 1 });
      const stale = await sdk.multipartUpload.getAdditionalPresignedUrls(session.uploadId!, {
        start: 2,
        count: 50,
      });
      await sleep(5);
      expect((await put(stale.uploadUrls![0]!.url!, 2)).status).toBe(403);
      await control.settings({ presignedUrlTtlMs: 60_000 });
      const fresh = await sdk.multipartUpload.getAdditionalPresignedUrls(session.uploadId!, {
        start: 2,
        count: 50,
      });
      expect(fresh.uploadUrls).toHaveLength(session.totalChunks! - 1);
      const chunks = [];
      for (const u of fresh.uploadUrls!) {
        const res = await put(u.url!, u.chunkIndex!);
        const size = Math.min(1000, bytes.length - (u.chunkIndex! - 1) * 1000);
        chunks.push({
          chunkIndex: u.chunkIndex!,
          proof: res.headers.get('etag')!,
          proofType: 'etag' as const,
          chunkSize: size,
        });
      }
      const done = await sdk.multipartUpload.reportChunkBatch(session.uploadId!, { completedChunks: chunks });
      expect(done.url).toBeDefined();
      expect(done.totalCompleted).toBe(session.totalChunks);
      const ready = await waitUntilSettled(session.assetId!);
      expect(ready).toMatchObject({ status: 'ready', method: 'multipart', size: bytes.length });
      const source = Buffer.from(await (await fetch(done.url!)).arrayBuffer());
      expect(source.equals(bytes)).toBe(true);
    } finally {
      await control.settings({ chunkSize: null, initialPresignedUrls: 10, presignedUrlTtlMs: 3_600_000 });
    }
  });

  it('expires sessions', async () => {
    await control.settings({ sessionTtlMs: 1 });
    try {
      const session = await sdk.multipartUpload.create({
        filename: 'late.mp4',
        type: 'video',
        totalSize: 10_000_000,
      });
      await sleep(5);
      const status = await sdk.multipartUpload.getStatus(session.uploadId!);
      expect(pageResponse(status).status).toBe('expired');
      expect((await fetch(session.uploadUrls![0]!.url!, { method: 'PUT', body: 'x' })).status).toBe(403);
      await expectApiError(
        sdk.multipartUpload.getAdditionalPresignedUrls(
          session.uploadId!,
          { start: 1, count: 1 },
          { maxRetries: 0 },
        ),
        400,
        'upload_expired',
      );
    } finally {
      await control.settings({ sessionTtlMs: 86_400_000 });
    }
  });
});
