/**
 * The Sandbox's `enable_video_stream` on indexed assets (twelvelabs-indexes.md §1.3, §2.3), through
 * the official SDK over real HTTP: a video gets an `hls.video_url` that plays (also when the asset
 * itself was uploaded without `enable_hls`), and nothing else gets a URL to media it never had:
 * an audio file, audio alone in an MP4 box, an image, a document, or a video the Sandbox cannot
 * stream (no ffmpeg) end `ERROR` with no `video_url`.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwelvelabsApiClient } from 'twelvelabs-js';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import { png, wav, writeFixture } from '../helpers/media.ts';
import { minimalPdf } from '../helpers/pdf.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { untilValue } from '../helpers/until.ts';

let emulator: RunningEmulator;
let sdk: TwelvelabsApiClient;
let dir: string;
let cleanup: () => Promise<void>;
let indexId: string;

/** Uploads `path`, waits for the asset to be ready, indexes it with a stream, and waits until the stream is settled. */
async function indexWithStream(path: string) {
  const created = await sdk.assets.create(
    { method: 'direct', file: createReadStream(path) },
    { maxRetries: 0 },
  );
  const asset = await untilValue(
    `${path} processed`,
    () => sdk.assets.retrieve(created.id!),
    (a) => a.status !== 'processing',
  );
  expect(asset.status, path).toBe('ready');
  const made = await sdk.indexes.indexedAssets.create(
    indexId,
    { assetId: created.id!, enableVideoStream: true },
    { maxRetries: 0 },
  );
  return untilValue(
    `${path} indexed with its stream settled`,
    () => sdk.indexes.indexedAssets.retrieve(indexId, made.id!),
    (ia) => (ia.status === 'ready' || ia.status === 'failed') && ia.hls?.status !== 'PROCESSING',
    60_000,
  );
}

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 20, indexingMs: 40 });
  sdk = new TwelvelabsApiClient({ apiKey: 'test-key', baseUrl: emulator.url });
  const index = await sdk.indexes.create({
    indexName: 'streams',
    models: [{ modelName: 'marengo3.0', modelOptions: ['visual', 'audio'] }],
  });
  indexId = index.id!;
}, 60_000);
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

describe('enable_video_stream', () => {
  it('a video uploaded without enable_hls: COMPLETE, and its video_url and thumbnail play', async () => {
    const clip = await makeVideo(join(dir, 'talk.mp4'), { seconds: 5, width: 640, height: 360 });
    const ia = await indexWithStream(clip);
    expect(ia.status).toBe('ready');
    expect(ia.hls).toMatchObject({
      status: 'COMPLETE',
      videoUrl: expect.stringMatching(/\/hls\/master\.m3u8$/),
    });
    const playlist = await fetch(ia.hls!.videoUrl!);
    expect(playlist.status).toBe(200);
    const text = await playlist.text();
    expect(text).toMatch(/^#EXTM3U/);
    // The playlist's first media part is there too (a player would fetch it next).
    const part = text.split('\n').find((line) => line && !line.startsWith('#'));
    expect((await fetch(new URL(part!, ia.hls!.videoUrl!))).status).toBe(200);
    const thumbnail = await fetch(ia.hls!.thumbnailUrls![0]!);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/png');
  }, 60_000);

  it('media the asset never had: no video_url, ERROR', async () => {
    const audioInMp4 = join(dir, 'voice.mp4');
    await promisify(execFile)('ffmpeg', [
      ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=f=440:d=5'],
      ...['-c:a', 'aac', '-b:a', '32k', audioInMp4],
    ]);
    const cases = {
      // Indexed (Marengo takes audio), but there is no video to stream.
      'voice.wav': await writeFixture(join(dir, 'voice.wav'), wav(5)),
      'voice.mp4': audioInMp4,
      // Refused by the index's models: failed, with the stream in ERROR.
      'still.png': await writeFixture(join(dir, 'still.png'), png(640, 360)),
      'brief.pdf': await writeFixture(join(dir, 'brief.pdf'), minimalPdf()),
    };
    const expected = {
      'voice.wav': 'ready',
      'voice.mp4': 'ready',
      'still.png': 'failed',
      'brief.pdf': 'failed',
    };
    for (const [name, path] of Object.entries(cases)) {
      const ia = await indexWithStream(path);
      expect(ia.status, name).toBe(expected[name as keyof typeof expected]);
      expect(ia.hls, name).toMatchObject({ status: 'ERROR' });
      expect(ia.hls!.videoUrl, name).toBeUndefined();
      expect(ia.hls!.thumbnailUrls, name).toBeUndefined();
    }
  }, 60_000);

  it('a video the Sandbox cannot stream (no ffmpeg to repackage it): no video_url, ERROR', async () => {
    const clip = await makeVideo(join(dir, 'plain.mp4'), { seconds: 5, width: 640, height: 360 });
    const before = process.env.TL_EMULATOR_FFMPEG;
    process.env.TL_EMULATOR_FFMPEG = ''; // read at each repackaging: the in-process Sandbox has none now
    try {
      const ia = await indexWithStream(clip);
      expect(ia.status).toBe('ready');
      expect(ia.hls).toMatchObject({ status: 'ERROR' });
      expect(ia.hls!.videoUrl).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.TL_EMULATOR_FFMPEG;
      else process.env.TL_EMULATOR_FFMPEG = before;
    }
  }, 60_000);
});
