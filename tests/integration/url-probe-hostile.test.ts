/**
 * The URL probe against hostile servers (issue 17, brief H17): a real HTTP server on loopback
 * answering the probe's Range requests in every wrong way, real ffmpeg media. Whatever the server
 * does, the probe ends (within its own time limit), never reads a non-http address, never sends
 * credentials, never reports facts read from bytes that are not the file's, and a slow URL never
 * holds up the check of a local file (MediaInfo runs one file at a time).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerProbe } from '../../electron/core/media/container-probe.ts';
import { probeUrl, ProbeUnavailable } from '../../electron/core/media/url-probe.ts';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

let dir: string;
let cleanup: () => Promise<void>;
let mp4: Buffer;
const probe = new ContainerProbe();

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  await makeVideo(join(dir, 'low.mp4'), { seconds: 3, width: 640, height: 200 });
  mp4 = await readFile(join(dir, 'low.mp4'));
}, 60_000);
afterAll(async () => {
  probe.close();
  await cleanup();
});

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A server whose every answer is the test's; it counts requests and keeps their headers. */
async function hostile(handler: Handler) {
  const requests: IncomingMessage['headers'][] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    handler(req, res, requests.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The asked range of `mp4`, answered honestly. */
function serveRange(req: IncomingMessage, res: ServerResponse): void {
  const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') ?? [];
  const start = Number(a);
  const end = Math.min(Number(b), mp4.length - 1);
  res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${mp4.length}` });
  res.end(mp4.subarray(start, end + 1));
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('probeUrl against hostile servers', () => {
  it('follows no redirect to file:// or another scheme, stops a redirect loop, sends no credentials', async () => {
    const server = await hostile((req, res) => {
      if (req.url === '/to-file') return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      if (req.url === '/to-js') return void res.writeHead(301, { location: 'javascript:alert(1)' }).end();
      if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
      if (req.url === '/to-creds')
        return void res.writeHead(307, { location: `http://user:s3cret@${req.headers.host}/real.mp4` }).end();
      serveRange(req, res);
    });
    try {
      for (const path of ['/to-file', '/to-js']) {
        const error = await failure(probeUrl(probe, `${server.origin}${path}`));
        expect(error, path).toBeInstanceOf(ProbeUnavailable);
        expect(error!.message).toMatch(/only http and https/);
      }
      const before = server.requests.length;
      const loop = await failure(probeUrl(probe, `${server.origin}/loop`));
      expect(loop).toBeInstanceOf(ProbeUnavailable);
      expect(loop!.message).toMatch(/redirected too many times/);
      expect(server.requests.length - before).toBe(6); // the first ask and 5 redirects, no more

      const facts = await probeUrl(probe, `${server.origin}/to-creds`);
      expect(facts).toMatchObject({ width: 640, height: 200, hasVideo: true });
      for (const headers of server.requests) expect(headers.authorization).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('gives no facts for a wrong Content-Range, an unknown total or a compressed body', async () => {
    const server = await hostile((req, res) => {
      const size = mp4.length;
      if (req.url === '/wrong-start')
        return void res
          .writeHead(206, { 'content-range': `bytes 100-4195/${size}` })
          .end(mp4.subarray(100, 4196));
      if (req.url === '/no-total')
        return void res.writeHead(206, { 'content-range': 'bytes 0-4095/*' }).end(mp4.subarray(0, 4096));
      if (req.url === '/gzip') {
        // A server that compresses what it was asked for: those bytes are not the file's.
        const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') ?? [];
        const start = Number(a);
        const end = Math.min(Number(b), size - 1);
        const body = gzipSync(mp4.subarray(start, end + 1));
        return void res
          .writeHead(206, { 'content-range': `bytes ${start}-${end}/${size}`, 'content-encoding': 'gzip' })
          .end(body);
      }
      res.writeHead(404).end();
    });
    try {
      for (const path of ['/wrong-start', '/no-total']) {
        const error = await failure(probeUrl(probe, `${server.origin}${path}`));
        expect(error, path).toBeInstanceOf(ProbeUnavailable);
        expect(error!.message).toMatch(/another byte range/);
      }
      const gzip = await failure(probeUrl(probe, `${server.origin}/gzip`));
      expect(gzip).toBeInstanceOf(ProbeUnavailable);
      expect(gzip!.message).toMatch(/compressed/);
      for (const headers of server.requests) expect(headers['accept-encoding']).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('reads no more than its cap from a server claiming a huge file', async () => {
    const huge = 2 ** 53 - 1;
    let sent = 0;
    const server = await hostile((req, res) => {
      const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') ?? [];
      const start = Number(a);
      const end = Number(b);
      const body = Buffer.alloc(end - start + 1, 0x41);
      mp4.copy(body, 0, start, Math.min(mp4.length, end + 1));
      sent += body.length;
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${huge}` }).end(body);
    });
    try {
      const cap = 64 * 1024;
      const facts = await probeUrl(probe, `${server.origin}/huge.mp4`, {
        capBytes: cap,
        blockBytes: 16 * 1024,
      });
      expect(facts.size).toBe(huge);
      expect(facts.fetched).toBeLessThanOrEqual(cap);
      expect(sent).toBeLessThanOrEqual(cap);
    } finally {
      await server.close();
    }
  });

  it('ends within its time limit on a server trickling a byte at a time, first block or later', async () => {
    const timers = new Set<NodeJS.Timeout>();
    const server = await hostile((req, res, n) => {
      if (req.url === '/later' && n % 2 === 1) return serveRange(req, res); // the first block at once
      const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') ?? [];
      res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${mp4.length}` });
      let at = Number(a);
      const timer = setInterval(() => {
        if (res.destroyed) return void clearInterval(timer);
        res.write(mp4.subarray(at, at + 1));
        at++;
      }, 100);
      timers.add(timer);
      res.on('close', () => clearInterval(timer));
    });
    try {
      for (const path of ['/first', '/later']) {
        const error = await failure(
          probeUrl(probe, `${server.origin}${path}`, { timeoutMs: 1_000, blockBytes: 4096 }),
        );
        expect(error, path).toBeInstanceOf(ProbeUnavailable);
        expect(error!.message).toMatch(/did not answer in time/);
      }
    } finally {
      for (const t of timers) clearInterval(t);
      await server.close();
    }
  });

  it('a URL whose server stalls does not hold up the check of a local file', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const server = await hostile((req, res, n) => {
      if (n === 1) return serveRange(req, res);
      void released.then(() => serveRange(req, res)); // every later block waits
    });
    try {
      const url = probeUrl(probe, `${server.origin}/stalls.mp4`, { blockBytes: 4096, timeoutMs: 20_000 });
      await until('the probe to ask for its second block', () => server.requests.length >= 2);
      const first = await Promise.race([
        probe.probe(join(dir, 'low.mp4')).then((facts) => ({ local: facts })),
        url.then(
          () => 'url',
          () => 'url',
        ),
      ]);
      expect(first, 'the local file was checked only after the stalled URL gave up').toMatchObject({
        local: { width: 640, height: 200 },
      });
      release();
      expect(await url).toMatchObject({ width: 640, height: 200 });
    } finally {
      release();
      await server.close();
    }
  });

  it('time spent waiting behind another URL is not held against a server that answers at once', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const slow = await hostile((req, res, n) => {
      if (n === 1) return serveRange(req, res);
      void released.then(() => serveRange(req, res)); // holds the remote lane until released
    });
    const fast = await hostile((req, res) => serveRange(req, res));
    try {
      const first = probeUrl(probe, `${slow.origin}/slow.mp4`, { blockBytes: 4096, timeoutMs: 30_000 });
      await until('the slow URL to hold the turn', () => slow.requests.length >= 2);
      const started = Date.now();
      const second = probeUrl(probe, `${fast.origin}/fast.mp4`, { blockBytes: 4096, timeoutMs: 1_000 });
      await until('the fast server to give its first block', () => fast.requests.length >= 1);
      // Its own limit has passed while it waited for the turn (its server answered at once).
      await until('the fast URL to have waited past its limit', () => Date.now() - started > 1_500);
      release();
      expect(await first).toMatchObject({ width: 640, height: 200 });
      expect(await second).toMatchObject({ width: 640, height: 200, hasVideo: true });
    } finally {
      release();
      await slow.close();
      await fast.close();
    }
  });
});
