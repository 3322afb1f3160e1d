/**
 * The official SDK (twelvelabs-js 1.3.4) against the emulator over real HTTP: if the SDK cannot
 * tell the emulator from the platform, the emulator speaks the wire format of the reference.
 * Here: creating assets (from a file stream, from a URL) and listing them; the rest of the API in
 * emulator-sdk-assets.test.ts and emulator-sdk-multipart.test.ts.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TwelvelabsApi } from 'twelvelabs-js';
import { JPEG_16x8, mp4, png, wav, writeFixture } from '../helpers/media.ts';
import {
  control,
  dir,
  emulator,
  expectApiError,
  pageResponse,
  sdk,
  useSdkEmulator,
  waitUntilSettled,
} from '../helpers/sdk-emulator.ts';
import { serveFolder } from '../helpers/static-server.ts';

useSdkEmulator();

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
