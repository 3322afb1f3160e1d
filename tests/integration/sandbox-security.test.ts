/**
 * The Sandbox as a server any web page can reach: its control API refuses browsers of other
 * origins and rebinding host names, fault rules never lock the control API out, the app's own
 * Sandbox takes only its per-data-folder key, and media URLs cannot be guessed from an asset id.
 */
import { readFile, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { control, emulator, useEmulatorPerFile } from '../helpers/emulator-suite.ts';
import { writeMp4File } from '../helpers/media.ts';
import { waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

interface Answer {
  status: number;
  body: string;
}

/** One request with exactly these headers (fetch would refuse to set Host, Origin, Sec-Fetch-*). */
function send(
  origin: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method, path, headers, setHost: !('host' in headers) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

useEmulatorPerFile({ processingMs: 20 });

const assetCount = async () =>
  (JSON.parse((await send(emulator.origin, 'GET', '/_emulator/health')).body) as { assets: number }).assets;

describe('the control API against web pages', () => {
  it('refuses a reset from any other origin or site, and the Sandbox keeps its assets', async () => {
    await control.seed({ count: 2 });
    const port = emulator.port;
    const hostile: Array<Record<string, string>> = [
      { origin: `http://127.0.0.1:${port + 1}` }, // another local port: same site, other origin
      { origin: 'http://localhost:3000' },
      { origin: 'https://evil.example' },
      { origin: 'null' }, // a sandboxed iframe, a file:// page
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' }, // <img>/<form> from another port of 127.0.0.1
      { 'sec-fetch-site': 'same-site', origin: `http://127.0.0.1:${port}` },
    ];
    for (const headers of hostile) {
      for (const [method, path] of [
        ['POST', '/_emulator/reset'],
        ['DELETE', '/_emulator/faults'],
        ['GET', '/_emulator/requests'],
      ] as const) {
        const answer = await send(emulator.origin, method, path, headers);
        expect(answer.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(JSON.parse(answer.body)).toMatchObject({ code: 'forbidden' });
      }
    }
    expect(await assetCount()).toBe(2);
    // Its own page (and Node, curl: no Origin, no Sec-Fetch-Site) may.
    expect(
      (await send(emulator.origin, 'POST', '/_emulator/reset', { origin: emulator.origin })).status,
    ).toBe(204);
    expect(await assetCount()).toBe(0);
  });

  it('refuses foreign Host headers (DNS rebinding) on every route, and another port on the control API', async () => {
    await control.seed({ count: 1 });
    const port = emulator.port;
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1.evil.example:${port}`,
      `[::2]:${port}`,
    ]) {
      expect((await send(emulator.origin, 'POST', '/_emulator/reset', { host })).status, host).toBe(403);
      const api = await send(emulator.origin, 'GET', '/v1.3/assets', { host, 'x-api-key': 'k' });
      expect(api.status, host).toBe(403);
      expect(api.body).not.toMatch(/seeded/);
    }
    expect(
      (await send(emulator.origin, 'POST', '/_emulator/reset', { host: `127.0.0.1:${port + 1}` })).status,
    ).toBe(403);
    expect(await assetCount()).toBe(1);
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `127.0.0.1:${port}`])
      expect((await send(emulator.origin, 'GET', '/_emulator/health', { host })).status, host).toBe(200);
  });

  it('answers request targets that are not paths with a 400 and keeps running', async () => {
    for (const target of ['*', 'http://127.0.0.1/_emulator/reset', '//', '//evil.example/x'])
      expect((await send(emulator.origin, 'GET', target)).status, target).toBeGreaterThanOrEqual(400);
    expect((await send(emulator.origin, 'GET', '/_emulator/health')).status).toBe(200);
  });
});

describe('fault rules and the control API', () => {
  it('never applies a fault to the control API: a rule on every route with no count can be cleared', async () => {
    await control.addFaults(
      { kind: 'status', route: '*', status: 503 },
      { kind: 'drop', route: '*', afterBytes: 0 },
    );
    // The API is blocked by the rules…
    expect((await send(emulator.origin, 'GET', '/v1.3/assets', { 'x-api-key': 'k' })).status).toBe(503);
    // …and an hour's latency on every route on top (no API call is made while it is in force).
    await control.addFaults({ kind: 'latency', route: '*', ms: 3_600_000 });
    // The control API is not: it lists the rules, seeds (a body: not dropped) and clears them.
    expect(
      ((await (await fetch(`${emulator.origin}/_emulator/faults`)).json()) as { rules: unknown[] }).rules,
    ).toHaveLength(3);
    expect(await control.seed({ count: 1 })).toHaveLength(1);
    await control.clearFaults();
    expect((await send(emulator.origin, 'GET', '/v1.3/assets', { 'x-api-key': 'k' })).status).toBe(200);
  });
});

describe('media URLs', () => {
  it('are signed per asset: the bare id, a wrong token or another asset’s token find nothing', async () => {
    const [a, b] = await control.seed({ count: 2, enableThumbnail: true });
    const detail = async (id: string) =>
      JSON.parse((await send(emulator.origin, 'GET', `/v1.3/assets/${id}`, { 'x-api-key': 'k' })).body) as {
        thumbnail: { representative_url: string };
      };
    const urlA = new URL((await detail(a!)).thumbnail.representative_url);
    const urlB = new URL((await detail(b!)).thumbnail.representative_url);
    const token = urlA.pathname.split('/')[3]!;
    expect(urlA.pathname).toBe(`/media/${a}/${token}/thumbnail`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const served = await fetch(`${emulator.origin}${urlA.pathname}`);
    expect(served.status).toBe(200);
    // Bytes on the control API's origin: never sniffed, never run as a page.
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toMatch(/^sandbox/);
    // Readable by the app's HLS player on its own page, as a CDN's files are: the URL is the permission.
    expect(served.headers.get('access-control-allow-origin')).toBe('*');
    const tokenB = urlB.pathname.split('/')[3]!;
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const path of [
      `/media/${a}/thumbnail`,
      `/media/${a}/${flipped}/thumbnail`,
      `/media/${a}/${tokenB}/thumbnail`,
      `/media/${a}/${token.slice(0, 31)}/thumbnail`,
      `/media/${a}/${token}/source`, // seeded: no bytes, but the answer is the same 404
    ])
      expect((await send(emulator.origin, 'GET', path)).status, path).toBe(404);
  });
});

describe("the app's own Sandbox", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir()));
  afterAll(() => cleanup());

  const open = () =>
    UploaderCore.create({
      dataDir: join(dir, 'data'),
      secrets: new MemorySecretStore(),
      startSandbox: startEmulator,
      sandboxProcessingMs: 20,
      overrides: { sandbox: true },
    });

  it('takes only its per-data-folder key (0600, never shown), on the API and the control API', async () => {
    let core = await open();
    try {
      const api = core.apiBaseUrl;
      const origin = new URL(api).origin;
      const keyFile = join(dir, 'data', 'sandbox', 'sandbox-key');
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);

      // The core's own client works: an upload ends ready, and the library sees it.
      const path = await writeMp4File(join(dir, 'clip.mp4'), 20_000, 1);
      await core.invoke('uploads:add', {
        inputs: [{ kind: 'file', path, options: { enableThumbnail: true } }],
      });
      await waitFor(core.queue, (items) => items[0]?.state === 'ready', 30_000);

      const foreign: Array<Record<string, string>> = [
        {},
        { 'x-api-key': 'sandbox' },
        { 'x-api-key': 'tlk_someone-elses-key' },
      ];
      for (const headers of foreign) {
        expect((await send(origin, 'GET', '/v1.3/assets', headers)).status, JSON.stringify(headers)).toBe(
          401,
        );
        expect((await send(origin, 'POST', '/_emulator/reset', headers)).status).toBe(401);
        expect((await send(origin, 'GET', '/_emulator/requests', headers)).status).toBe(401);
      }
      // The key is nowhere in what a front end can read.
      const key = await readFile(keyFile, 'utf8');
      expect(key).toMatch(/^tl-sandbox-/);
      expect(JSON.stringify(core.settings())).not.toContain(key);
      expect(JSON.stringify(await core.invoke('settings:test-api-key', {}))).not.toContain(key);

      // Across a restart the same key and the same media URLs hold.
      await core.invoke('library:sync', { full: true });
      const { items } = await core.invoke('library:query', {});
      const thumb = items[0]?.thumbnail?.representativeUrl;
      expect(thumb).toMatch(/\/media\/[^/]+\/[A-Za-z0-9_-]{32}\/thumbnail$/);
      await core.close();
      core = await open();
      expect((await core.invoke('library:sync', { full: true })).online).toBe(true);
      const again = (await core.invoke('library:query', {})).items[0]?.thumbnail?.representativeUrl;
      expect(new URL(again!).pathname).toBe(new URL(thumb!).pathname);
      expect((await send(new URL(core.apiBaseUrl).origin, 'GET', new URL(again!).pathname)).status).toBe(200);
    } finally {
      await core.close();
    }
  });
});
