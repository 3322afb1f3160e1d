/**
 * The Sandbox's HLS tells the truth (emulator/hls-stream.ts): `hls.status: ready` only for an
 * upload it can stream without transcoding (MPEG-TS, fragmented MP4, or repackaged by ffmpeg when
 * installed), with a playlist whose URIs resolve to the file's bytes; without ffmpeg an ordinary MP4,
 * and always a WAV and a seeded asset with no bytes, say `error` and have no playlist. Real
 * ffmpeg-made files over real HTTP.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { createAssetWithHls, EmulatorControl } from '../helpers/emulator-control.ts';
import { wav } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

const run = promisify(execFile);
let emulator: RunningEmulator;
let dir: string;
let cleanup: () => Promise<void>;

const SOURCE = ['-f', 'lavfi', '-i', 'testsrc=d=2:s=160x120:r=10', '-c:v', 'libx264', '-preset', 'ultrafast'];
async function ffmpeg(name: string, ...format: string[]): Promise<Buffer> {
  const path = join(dir, name);
  await run('ffmpeg', ['-loglevel', 'error', '-y', ...SOURCE, '-pix_fmt', 'yuv420p', ...format, path]);
  return readFile(path);
}

interface WireAsset {
  status: string;
  hls?: { status?: string; manifest_url?: string };
}

async function uploadWithHls(name: string, bytes: Buffer): Promise<WireAsset> {
  const id = await createAssetWithHls(emulator.url, name, bytes);
  return until(`${name} processed`, async () => {
    const asset = (await (
      await fetch(`${emulator.url}/assets/${id}`, { headers: { 'x-api-key': 'k' } })
    ).json()) as WireAsset;
    return asset.status !== 'processing' ? asset : undefined;
  });
}

async function playlistOf(asset: WireAsset): Promise<{ url: string; lines: string[] }> {
  const url = asset.hls!.manifest_url!;
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
  return { url, lines: (await res.text()).split('\n') };
}

const bytesAt = async (url: string) => {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return Buffer.from(await res.arrayBuffer());
};

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('tl-emulator-hls-'));
  emulator = await startEmulator({ processingMs: 10 });
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

describe('the Sandbox streams what it can and says so for the rest', () => {
  it('an MPEG-TS upload is its own one segment, named relative to the playlist', async () => {
    const ts = await ffmpeg('clip.ts', '-f', 'mpegts');
    const asset = await uploadWithHls('clip.ts', ts);
    expect(asset).toMatchObject({ status: 'ready', hls: { status: 'ready' } });
    const { url, lines } = await playlistOf(asset);
    expect(lines).toContain('#EXT-X-ENDLIST');
    // Relative, so a same-origin relay of the media folder plays it too.
    expect(lines).toContain('../source');
    expect((await bytesAt(new URL('../source', url).href)).equals(ts)).toBe(true);
  });

  it('a fragmented MP4 plays as fMP4: an init section (EXT-X-MAP) and its fragments, together the whole file', async () => {
    const fmp4 = await ffmpeg('frag.mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof');
    const asset = await uploadWithHls('frag.mp4', fmp4);
    expect(asset).toMatchObject({ status: 'ready', hls: { status: 'ready' } });
    const { url, lines } = await playlistOf(asset);
    expect(lines).toContain('#EXT-X-VERSION:7');
    const map = lines.find((l) => l.startsWith('#EXT-X-MAP:'));
    expect(map).toBe('#EXT-X-MAP:URI="init.mp4"');
    const init = await bytesAt(new URL('init.mp4', url).href);
    const segment = await bytesAt(new URL(lines[lines.indexOf('#EXT-X-ENDLIST') - 1]!, url).href);
    expect(init.toString('latin1', 4, 8)).toBe('ftyp');
    expect(segment.toString('latin1', 4, 8)).toBe('moof');
    // ffmpeg ends a fragmented file with an `mfra` index, which is no part of the stream.
    expect(Buffer.concat([init, segment]).equals(fmp4.subarray(0, init.length + segment.length))).toBe(true);
    expect(init.length + segment.length).toBeGreaterThan(fmp4.length - 200);
  });

  it('an ordinary MP4 is repackaged by ffmpeg (copied, not re-encoded) into fMP4 and plays', async () => {
    const plain = await ffmpeg('plain.mp4', '-movflags', '+faststart');
    const asset = await uploadWithHls('plain.mp4', plain);
    expect(asset).toMatchObject({ status: 'ready', hls: { status: 'ready' } });
    const { url, lines } = await playlistOf(asset);
    expect(lines).toContain('#EXT-X-MAP:URI="init.mp4"');
    const init = await bytesAt(new URL('init.mp4', url).href);
    const segment = await bytesAt(new URL('segment.m4s', url).href);
    expect(init.toString('latin1', 4, 8)).toBe('ftyp');
    expect(init.includes(Buffer.from('mvex'))).toBe(true);
    expect(segment.toString('latin1', 4, 8)).toBe('moof');
    // The source is still the upload itself, byte for byte.
    expect((await bytesAt(new URL('../source', url).href)).equals(plain)).toBe(true);
  });

  it('without ffmpeg (a packaged app) an ordinary MP4 has no stream, nor has a WAV: error, no manifest', async () => {
    const plain = await ffmpeg('plain-2.mp4', '-movflags', '+faststart');
    const saved = process.env.TL_EMULATOR_FFMPEG;
    process.env.TL_EMULATOR_FFMPEG = '';
    try {
      for (const [name, bytes] of [
        ['plain-2.mp4', plain],
        ['tone.wav', wav(1)],
      ] as const) {
        const asset = await uploadWithHls(name, bytes);
        expect(asset, name).toMatchObject({ status: 'ready', hls: { status: 'error' } });
        expect(asset.hls!.manifest_url, name).toBeUndefined();
      }
    } finally {
      if (saved === undefined) delete process.env.TL_EMULATOR_FFMPEG;
      else process.env.TL_EMULATOR_FFMPEG = saved;
    }
    // PCM audio cannot be copied into MP4: no stream even with ffmpeg.
    const wave = await uploadWithHls('tone-2.wav', wav(1));
    expect(wave).toMatchObject({ status: 'ready', hls: { status: 'error' } });
  });

  it('seeded assets (the demo) have no bytes and claim no stream', async () => {
    const control = new EmulatorControl(emulator.origin);
    const res = await fetch(`${emulator.origin}/_emulator/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 2, kind: 'video', enableHls: true }),
    });
    const { ids } = (await res.json()) as { ids: string[] };
    for (const id of ids) {
      const asset = (await (
        await fetch(`${emulator.url}/assets/${id}`, { headers: { 'x-api-key': 'k' } })
      ).json()) as WireAsset;
      expect(asset).toMatchObject({ status: 'ready', hls: { status: 'error' } });
      expect(asset.hls!.manifest_url).toBeUndefined();
    }
    await control.reset();
  });
});
