/**
 * The platform as documented now (OpenAPI 2026-07-30, twelvelabs-js 1.3.4), through the official
 * SDK against the emulator over real HTTP: image, multipart and document limits, documents as
 * assets with their extension rule, `index: {_id, name}`, `X-Ratelimit-*` on normal answers,
 * `enable_hls` ignored for images, and indexes with indexed assets followed to ready or failed.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TwelvelabsApi, TwelvelabsApiClient, TwelvelabsApiError } from 'twelvelabs-js';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { mp4, png, writeFixture } from '../helpers/media.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { untilValue } from '../helpers/until.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let sdk: TwelvelabsApiClient;
let dir: string;
let cleanupDir: () => Promise<void>;

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n', 'latin1');
const MARKDOWN = Buffer.from('# Notes\n\nSome *text* for the index — ünïcode too.\n'.repeat(30));

const settled = <T extends { status?: string }>(get: () => Promise<T>, done: (v: T) => boolean) =>
  untilValue('the status to settle', get, done);
const assetSettled = (id: string) =>
  settled(
    () => sdk.assets.retrieve(id),
    (a) => a.status !== 'processing',
  );

async function apiError(promise: Promise<unknown>, status: number, code?: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected HTTP ${status}`).toBeInstanceOf(TwelvelabsApiError);
  expect((error as TwelvelabsApiError).statusCode).toBe(status);
  if (code) expect(((error as TwelvelabsApiError).body as { code: string }).code).toBe(code);
  return error as TwelvelabsApiError;
}

const upload = (path: string) =>
  sdk.assets.create({ method: 'direct', file: createReadStream(path) }, { maxRetries: 0 });

beforeAll(async () => {
  ({ dir, cleanup: cleanupDir } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 20, indexingMs: 40 });
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

describe('limits as documented now', () => {
  it('takes a 6 MB image (direct and URL) and refuses one over 32 MB', async () => {
    const six = await writeFixture(join(dir, 'six.png'), png(64, 48, 6_000_000));
    expect((await assetSettled((await upload(six)).id!)).status).toBe('ready');
    const served = await serveFolder(dir);
    try {
      const byUrl = await sdk.assets.create({ method: 'url', url: `${served.origin}/six.png` });
      expect((await assetSettled(byUrl.id!)).status).toBe('ready');
    } finally {
      await served.close();
    }
    const big = await writeFixture(join(dir, 'big.png'), png(8, 8, 32_100_000));
    const refused = await apiError(upload(big), 400, 'parameter_invalid');
    expect((refused.body as { message: string }).message).toMatch(/32 MB limit/);
  });

  it('opens multipart sessions for a 10 MB image and a 6 GB video, not above 32 MB / 10 GB', async () => {
    const mp = sdk.multipartUpload;
    const image = await mp.create({ filename: 'big.png', type: 'image', totalSize: 10_000_000 });
    expect(image.uploadId).toBeTruthy();
    const video = await mp.create({ filename: 'long.mp4', type: 'video', totalSize: 6_000_000_000 });
    expect(video.totalChunks).toBeGreaterThan(1);
    await apiError(
      mp.create({ filename: 'huge.png', type: 'image', totalSize: 32_000_001 }, { maxRetries: 0 }),
      400,
      'parameter_invalid',
    );
    await apiError(
      mp.create({ filename: 'huge.mp4', type: 'video', totalSize: 10_000_000_001 }, { maxRetries: 0 }),
      400,
      'parameter_invalid',
    );
  });
});

describe('documents are assets', () => {
  it('takes PDF, text and Markdown whose extension matches, with their types and thumbnails', async () => {
    const pdf = await writeFixture(join(dir, 'Report.PDF'), PDF);
    const md = await writeFixture(join(dir, 'notes.md'), MARKDOWN);
    const txt = await writeFixture(join(dir, 'notes.txt'), MARKDOWN);
    const a = await sdk.assets.create({
      method: 'direct',
      file: createReadStream(pdf),
      enableThumbnail: true,
    });
    const b = await sdk.assets.create({
      method: 'direct',
      file: createReadStream(md),
      enableThumbnail: true,
    });
    const c = await upload(txt);
    expect([a.fileType, b.fileType, c.fileType]).toEqual(['application/pdf', 'text/markdown', 'text/plain']);
    const readyPdf = await assetSettled(a.id!);
    expect(readyPdf.status).toBe('ready');
    expect(readyPdf.duration).toBeUndefined();
    expect(readyPdf.thumbnail?.status).toBe('ready'); // a PDF's first page
    const readyMd = await assetSettled(b.id!);
    expect(readyMd.thumbnail).toBeUndefined(); // text and Markdown get none
    const docs = await sdk.assets.list({ assetTypes: ['document'] });
    expect(docs.data.map((d) => d.id).sort()).toEqual([a.id, b.id, c.id].sort());
  });

  it('refuses a document whose extension does not match its content, with the reason', async () => {
    const pdfAsText = await writeFixture(join(dir, 'paper.txt'), PDF);
    const textAsPdf = await writeFixture(join(dir, 'paper.pdf'), MARKDOWN);
    const imageAsPdf = await writeFixture(join(dir, 'scan.pdf'), png());
    const one = await apiError(upload(pdfAsText), 400, 'parameter_invalid');
    expect((one.body as { message: string }).message).toMatch(/PDF .*\.txt/);
    const two = await apiError(upload(textAsPdf), 400, 'parameter_invalid');
    expect((two.body as { message: string }).message).toMatch(/named \.pdf but it is text/);
    await apiError(upload(imageAsPdf), 400, 'parameter_invalid');
    expect((await sdk.assets.list()).data).toHaveLength(0);
  });

  it('fetches documents by URL, and fails a mismatched one with the reason', async () => {
    await writeFixture(join(dir, 'remote.md'), MARKDOWN);
    await writeFixture(join(dir, 'remote.txt'), PDF);
    const served = await serveFolder(dir);
    try {
      const ok = await sdk.assets.create({ method: 'url', url: `${served.origin}/remote.md` });
      const ready = await assetSettled(ok.id!);
      expect([ready.status, ready.fileType]).toEqual(['ready', 'text/markdown']);
      const bad = await sdk.assets.create({ method: 'url', url: `${served.origin}/remote.txt` });
      const failed = await assetSettled(bad.id!);
      expect(failed.status).toBe('failed');
      expect(failed.error?.message).toMatch(/PDF/);
    } finally {
      await served.close();
    }
  });
});

describe('headers and HLS', () => {
  it('sends X-Ratelimit-* on a normal answer of a rate-limited route, none on others', async () => {
    const file = await writeFixture(join(dir, 'clip.mp4'), mp4({ durationSeconds: 6 }));
    const { data, rawResponse } = await sdk.assets
      .create({ method: 'direct', file: createReadStream(file) })
      .withRawResponse();
    expect(rawResponse.status).toBe(201);
    for (const h of ['limit', 'remaining', 'used', 'reset'])
      expect(rawResponse.headers.get(`x-ratelimit-${h}`), h).toMatch(/^\d+$/);
    const read = await sdk.assets.retrieve(data.id!).withRawResponse();
    expect(read.rawResponse.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('ignores enable_hls for an image, while processing and once ready', async () => {
    await control.settings({ processingMs: 60_000 });
    try {
      const file = await writeFixture(join(dir, 'pic.png'), png());
      const created = await sdk.assets.create({
        method: 'direct',
        file: createReadStream(file),
        enableHls: true,
      });
      expect((await sdk.assets.retrieve(created.id!)).hls).toBeUndefined();
    } finally {
      await control.settings({ processingMs: 20 });
    }
  });
});

describe('indexes and indexed assets', () => {
  async function readyVideo(name: string, opts: Parameters<typeof mp4>[0]) {
    const file = await writeFixture(join(dir, name), mp4(opts));
    const created = await upload(file);
    expect((await assetSettled(created.id!)).status).toBe('ready');
    return created.id!;
  }

  it('indexes a ready video: 202, pending → indexing → ready with system_metadata; index.name by asset', async () => {
    const index = await sdk.indexes.create({
      indexName: 'search',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual', 'audio'] }],
      addons: ['thumbnail'],
    });
    const assetId = await readyVideo('talk.mp4', { durationSeconds: 7, width: 1280, height: 720 });
    const { data: made, rawResponse } = await sdk.indexes.indexedAssets
      .create(index.id!, { assetId }, { maxRetries: 0 })
      .withRawResponse();
    expect(rawResponse.status).toBe(202);
    expect(rawResponse.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    expect(made.assetId).toBe(assetId);
    const seen = new Set<string>();
    const ready = await settled(
      () => sdk.indexes.indexedAssets.retrieve(index.id!, made.id!),
      (ia) => (seen.add(String(ia.status)), ia.status === 'ready' || ia.status === 'failed'),
    );
    expect(ready.status).toBe('ready');
    expect([...seen].filter((s) => s !== 'ready').every((s) => ['pending', 'indexing'].includes(s))).toBe(
      true,
    );
    expect(ready.systemMetadata).toMatchObject({
      filename: 'talk.mp4',
      duration: 7,
      width: 1280,
      height: 720,
    });
    expect(ready.indexedAt).toBeTruthy();
    const byAsset = await sdk.indexes.indexedAssets.listByAsset(assetId);
    expect(byAsset.data).toEqual([{ id: made.id, index: { id: index.id, name: 'search' } }]);
    const listed = await sdk.indexes.retrieve(index.id!);
    expect([listed.videoCount, listed.totalDuration]).toEqual([1, 7]);
    const readyOnly = await sdk.indexes.indexedAssets.list(index.id!, { status: ['ready'] });
    expect(readyOnly.data.map((i) => i.id)).toEqual([made.id]);
  });

  it('ends failed what the models refuse (too short, too small, too wide), with no reason on the wire', async () => {
    const res = await fetch(`${emulator.url}/indexes`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      // SDK 1.3.4 accepts only marengo3.0 as a model name; the wire takes Pegasus too.
      body: JSON.stringify({
        index_name: 'both',
        models: [
          { model_name: 'marengo3.0', model_options: ['visual'] },
          { model_name: 'pegasus1.2', model_options: ['visual', 'audio'] },
        ],
      }),
    });
    expect(res.status).toBe(201);
    const indexId = ((await res.json()) as { _id: string })._id;
    const cases = [
      await readyVideo('short.mp4', { durationSeconds: 2 }),
      await readyVideo('small.mp4', { durationSeconds: 8, width: 640, height: 200 }),
      await readyVideo('wide.mp4', { durationSeconds: 8, width: 2000, height: 400 }),
      await readyVideo('long.mp4', { durationSeconds: 3700 }), // over Pegasus 1.2's hour
    ];
    for (const assetId of cases) {
      const made = await sdk.indexes.indexedAssets.create(indexId, { assetId }, { maxRetries: 0 });
      const done = await settled(
        () => sdk.indexes.indexedAssets.retrieve(indexId, made.id!),
        (ia) => ia.status === 'ready' || ia.status === 'failed',
      );
      expect(done.status).toBe('failed');
      expect(Object.keys(done)).not.toContain('error');
    }
  });

  it('answers the structural refusals at once, with the platform error shapes', async () => {
    const index = await sdk.indexes.create({
      indexName: 'one',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual'] }],
    });
    await apiError(
      sdk.indexes.create(
        { indexName: 'one', models: [{ modelName: 'marengo3.0', modelOptions: ['visual'] }] },
        { maxRetries: 0 },
      ),
      400,
      'index_name_already_exists',
    );
    const badModel = await fetch(`${emulator.url}/indexes`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({
        index_name: 'x',
        models: [{ model_name: 'pegasus1.5', model_options: ['visual'] }],
      }),
    });
    expect([badModel.status, ((await badModel.json()) as { code: string }).code]).toEqual([
      400,
      'parameter_invalid',
    ]);
    await control.settings({ processingMs: 60_000 });
    try {
      const file = await writeFixture(join(dir, 'busy.mp4'), mp4({ durationSeconds: 6 }));
      const processing = await upload(file);
      const notReady = await apiError(
        sdk.indexes.indexedAssets.create(index.id!, { assetId: processing.id! }, { maxRetries: 0 }),
        400,
        'parameter_invalid',
      );
      expect(notReady).toBeInstanceOf(TwelvelabsApi.BadRequestError);
    } finally {
      await control.settings({ processingMs: 20 });
    }
    const missing = await apiError(
      sdk.indexes.indexedAssets.create(index.id!, { assetId: '0123456789abcdef01234567' }, { maxRetries: 0 }),
      404,
      'resource_not_exist',
    );
    expect(missing).toBeInstanceOf(TwelvelabsApi.NotFoundError);
    await apiError(
      sdk.indexes.indexedAssets.retrieve(index.id!, '0123456789abcdef01234567'),
      404,
      'resource_not_exist',
    );
  });

  it('refuses a 429 on indexing with Retry-After once the indexes window is used up', async () => {
    await control.settings({ rateLimits: { indexes: { limit: 1, windowSeconds: 60 } } });
    try {
      const index = await sdk.indexes.create({
        indexName: 'rl',
        models: [{ modelName: 'marengo3.0', modelOptions: ['visual'] }],
      });
      const assetId = await readyVideo('rl.mp4', { durationSeconds: 6 });
      await sdk.indexes.indexedAssets.create(index.id!, { assetId }, { maxRetries: 0 });
      const limited = await apiError(
        sdk.indexes.indexedAssets.create(index.id!, { assetId }, { maxRetries: 0 }),
        429,
        'too_many_requests',
      );
      expect(Number(limited.rawResponse?.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await control.settings({ rateLimits: {} });
    }
  });
});
