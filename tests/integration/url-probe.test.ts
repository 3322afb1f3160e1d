/**
 * The URL probe (issue 17): a URL's container read by HTTP Range requests from a real server, real
 * ffmpeg media. It reads what the model check needs and no more than its cap, sends nothing of
 * ours but a plain User-Agent and the Range, and turns every way of not being able to read
 * (a server that ignores Range, an error status, nobody listening, another scheme) into
 * ProbeUnavailable, without downloading the file.
 */
import { open } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerProbe } from '../../electron/core/media/container-probe.ts';
import { probeUrl, ProbeUnavailable } from '../../electron/core/media/url-probe.ts';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

let dir: string;
let cleanup: () => Promise<void>;
const probe = new ContainerProbe();
const BIG = 64 * 1024 * 1024;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  await makeVideo(join(dir, 'low.mp4'), { seconds: 5, width: 640, height: 200 });
  await makeVideo(join(dir, 'wide.mkv'), { seconds: 5, width: 1280, height: 360 });
  // A 64 MiB file (sparse: cheap to make) that a probe must never download whole.
  const big = await open(join(dir, 'big.mp4'), 'w');
  await big.truncate(BIG);
  await big.close();
}, 60_000);
afterAll(async () => {
  probe.close();
  await cleanup();
});

describe('probeUrl', () => {
  it('reads a real MP4 and MKV by Range requests, with only a User-Agent and the Range', async () => {
    const server = await serveFolder(dir, { ranges: 'serve' });
    try {
      const mp4 = await probeUrl(probe, `${server.origin}/low.mp4`);
      expect(mp4).toMatchObject({ width: 640, height: 200, hasVideo: true, hasAudio: true, capped: false });
      expect(mp4.durationSeconds).toBeCloseTo(5, 0);
      const mkv = await probeUrl(probe, `${server.origin}/wide.mkv`);
      expect(mkv).toMatchObject({ width: 1280, height: 360, hasVideo: true });
      expect(server.served.length).toBeGreaterThan(0);
      for (const s of server.served) {
        expect(s.status).toBe(206);
        expect(s.range).toMatch(/^bytes=\d+-\d+$/);
        expect(s.userAgent).toMatch(/^TL-Uploader/);
        expect(
          s.headerNames.filter((h) => !['host', 'connection', 'range', 'user-agent'].includes(h)),
        ).toEqual([]);
      }
    } finally {
      await server.close();
    }
  });

  it('never reads more than its cap', async () => {
    const server = await serveFolder(dir, { ranges: 'serve' });
    try {
      const cap = 48 * 1024;
      const facts = await probeUrl(probe, `${server.origin}/big.mp4`, {
        capBytes: cap,
        blockBytes: 16 * 1024,
      });
      expect(facts).toMatchObject({ capped: true, hasVideo: false, hasAudio: false });
      expect(facts.fetched).toBeLessThanOrEqual(cap);
      await until('the server to log every answer', () => server.served.length >= 1);
      const sent = server.served.reduce((sum, s) => sum + s.bytesSent, 0);
      expect(sent).toBeLessThanOrEqual(cap);
    } finally {
      await server.close();
    }
  });

  it('stops at once, without downloading, when the server ignores Range and sends the whole file', async () => {
    const server = await serveFolder(dir, { ranges: 'ignore' });
    try {
      const error = await probeUrl(probe, `${server.origin}/big.mp4`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProbeUnavailable);
      expect((error as Error).message).toMatch(/does not answer byte ranges/);
      const [answer] = await until('the whole-file answer to close', () =>
        server.served.length > 0 ? server.served : undefined,
      );
      expect(answer!.status).toBe(200);
      // What left the server before the probe hung up: socket buffers at most, not 64 MiB.
      expect(answer!.bytesSent).toBeLessThan(BIG / 4);
    } finally {
      await server.close();
    }
  });

  it('says "cannot check now" for an error status, nobody listening and another scheme', async () => {
    const failing = await serveFolder(dir, { ranges: 503 });
    const nobody = createServer();
    await new Promise<void>((r) => nobody.listen(0, '127.0.0.1', r));
    const port = (nobody.address() as { port: number }).port;
    await new Promise<void>((r) => nobody.close(() => r()));
    try {
      for (const [url, said] of [
        [`${failing.origin}/low.mp4`, /HTTP 503/],
        [`http://127.0.0.1:${port}/low.mp4`, /could not be read \(ECONNREFUSED\)/],
        ['ftp://example.com/low.mp4', /only http and https/],
      ] as const) {
        const error = await probeUrl(probe, url).catch((e: unknown) => e);
        expect(error, url).toBeInstanceOf(ProbeUnavailable);
        expect((error as Error).message).toMatch(said);
      }
    } finally {
      await failing.close();
    }
  });

  it('gives up within its time limit on a server that never answers', async () => {
    const silent = createServer((socket) => socket.on('error', () => socket.destroy()));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const error = await probeUrl(probe, `http://127.0.0.1:${port}/low.mp4`, { timeoutMs: 300 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProbeUnavailable);
      expect((error as Error).message).toMatch(/did not answer in time/);
    } finally {
      silent.close();
    }
  });
});
