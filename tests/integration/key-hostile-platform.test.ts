/**
 * The API key goes to the confirmed host only, even when that host's answers name another one.
 * A gateway in front of the emulator (the confirmed base URL) makes every URL the platform hands
 * out (presigned multipart URLs, thumbnail and media URLs) point at a second local server, the
 * capture, which records every request and passes it on so the run completes; the gateway also
 * answers library listings with a 307 to the capture. The capture must see the uploads' chunks and
 * the thumbnail downloads (so the URLs really went there) and never the key, and no API call.
 * A redirect is not a success either: checking the key through one says so.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { writeMp4File } from '../helpers/media.ts';
import { waitFor } from '../helpers/queue-harness.ts';
import { until } from '../helpers/serve-client.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'tlk_hostile-platform-0123456789';

interface Seen {
  method: string;
  url: string;
  carriesKey: boolean;
}

/** Passes a request on to the emulator, under the Host given (the emulator builds URLs from it). */
function forward(req: IncomingMessage, res: ServerResponse, port: number, host: string): void {
  const out = request(
    { host: '127.0.0.1', port, method: req.method, path: req.url, headers: { ...req.headers, host } },
    (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  req.pipe(out);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

let emulator: RunningEmulator;
let gateway: Server;
let capture: Server;
let gatewayPort: number;
let capturePort: number;
const seen: Seen[] = [];
let redirects = 0;
/** Every API call answered with a 307 to the capture (a moved or mistyped API address). */
let redirectAll = false;
/** Chunk uploads answered with a 307 (as S3 does for a bucket in another region). */
let redirectStorage = false;
let dir: string;
let cleanup: () => Promise<void>;
let core: UploaderCore | undefined;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ apiKey: KEY, processingMs: 20 });
  const emulatorPort = Number(new URL(emulator.origin).port);
  capture = createServer((req, res) => {
    const text = `${req.url} ${JSON.stringify(req.headers)}`;
    seen.push({ method: req.method ?? '', url: req.url ?? '', carriesKey: text.includes(KEY) });
    if (redirectStorage && req.method === 'PUT') {
      req.resume();
      res.writeHead(307, { location: `http://127.0.0.1:${gatewayPort}${req.url}` });
      return res.end();
    }
    forward(req, res, emulatorPort, `127.0.0.1:${capturePort}`);
  });
  capturePort = await listen(capture);
  gateway = createServer((req, res) => {
    if (redirectAll || (req.method === 'GET' && /^\/v1\.3\/assets\?.*\bpage=/.test(req.url ?? ''))) {
      redirects++;
      req.resume();
      res.writeHead(307, { location: `http://127.0.0.1:${capturePort}${req.url}` });
      return res.end();
    }
    forward(req, res, emulatorPort, `127.0.0.1:${capturePort}`);
  });
  gatewayPort = await listen(gateway);
});
afterAll(async () => {
  await core?.close();
  for (const server of [gateway, capture]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await emulator.close();
  await cleanup();
});

it('sends the key to no host the platform names, however it names it', async () => {
  core = await UploaderCore.create({ dataDir: join(dir, 'data'), secrets: new MemorySecretStore() });
  await core.invoke('settings:update', {
    baseUrl: `http://127.0.0.1:${gatewayPort}/v1.3`,
    confirmHost: `127.0.0.1:${gatewayPort}`,
  });
  await core.invoke('settings:set-api-key', { apiKey: KEY });
  // One through the multipart API (presigned chunk URLs), one direct; both with thumbnails.
  const big = await writeMp4File(join(dir, 'big.mp4'), 10 * 1024 * 1024 + 1, 1);
  const small = await writeMp4File(join(dir, 'small.mp4'), 30_000, 2);
  await core.invoke('uploads:add', {
    inputs: [big, small].map((path) => ({ kind: 'file' as const, path, options: { enableThumbnail: true } })),
  });
  const items = await waitFor(core.queue, (all) => all.length === 2 && all.every((i) => i.state === 'ready'));
  expect(items.find((i) => i.name === 'big.mp4')?.method).toBe('multipart');

  // The library's listing is redirected (not followed); the assets' own URLs point at the capture.
  await core.invoke('library:sync', { full: true });
  expect(redirects).toBeGreaterThan(0);
  const withThumbnails = await until('thumbnails downloaded from the capture', () =>
    seen.filter((s) => /\/thumbnail$/.test(s.url)).length > 0 ? true : undefined,
  );
  expect(withThumbnails).toBe(true);

  expect(seen.filter((s) => s.method === 'PUT' && s.url.startsWith('/_storage/')).length).toBeGreaterThan(0);
  expect(seen.filter((s) => s.url.startsWith('/v1.3'))).toEqual([]);
  expect(seen.filter((s) => s.carriesKey)).toEqual([]);
});

it('says a redirect is not followed, instead of "The key works"', async () => {
  redirectAll = true;
  seen.length = 0;
  const c = await UploaderCore.create({ dataDir: join(dir, 'moved'), secrets: new MemorySecretStore() });
  try {
    await c.invoke('settings:update', {
      baseUrl: `http://127.0.0.1:${gatewayPort}/v1.3`,
      confirmHost: `127.0.0.1:${gatewayPort}`,
    });
    const status = await c.invoke('settings:set-api-key', { apiKey: KEY });
    expect(status.valid).not.toBe(true);
    expect(status.message).toContain(
      `redirect (HTTP 307) to http://127.0.0.1:${capturePort}/v1.3/assets?[redacted], which is not followed`,
    );
    expect(status.message).not.toContain(KEY);
    // Not followed: the capture got no API call (the first test's library may still fetch media).
    expect(seen.filter((s) => s.url.startsWith('/v1.3') || s.carriesKey)).toEqual([]);
  } finally {
    await c.close();
    redirectAll = false;
  }
});

it('fails a chunk answered with a redirect, saying so, instead of taking it for stored', async () => {
  redirectStorage = true;
  const c = await UploaderCore.create({ dataDir: join(dir, 'storage'), secrets: new MemorySecretStore() });
  try {
    await c.invoke('settings:update', {
      baseUrl: `http://127.0.0.1:${gatewayPort}/v1.3`,
      confirmHost: `127.0.0.1:${gatewayPort}`,
    });
    await c.invoke('settings:set-api-key', { apiKey: KEY });
    const path = await writeMp4File(join(dir, 'moved.mp4'), 10 * 1024 * 1024 + 1, 3);
    await c.invoke('uploads:add', { inputs: [{ kind: 'file', path }] });
    const [item] = await waitFor(c.queue, (all) => all[0]?.state === 'failed');
    expect(item!.error).toContain('The upload storage answered with a redirect (HTTP 307)');
  } finally {
    await c.close();
    redirectStorage = false;
  }
});
