/**
 * The API key travels only to a host the person confirmed, over https or on loopback. Attacked
 * with a capture server on loopback that records every request: while the change is refused it
 * must receive nothing at all; once confirmed it receives the key (so it would have seen a leak).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BASE_URL } from '../../electron/core/api/client.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { control, emulator, n, root, useEmulatorPerFile } from '../helpers/emulator-suite.ts';

const KEY = 'tlk_key-destination-secret-0123456789';

interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A plain http server on loopback that records every request and answers 401. */
async function startCapture(): Promise<{
  url: string;
  host: string;
  seen: Captured[];
  close(): Promise<void>;
}> {
  const seen: Captured[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"code":"api_key_invalid","message":"captured"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1.3`,
    host: `127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether any part of a captured request (every header, the target) carries the key. */
const carriesKey = (r: Captured) =>
  r.url.includes(KEY) ||
  Object.values(r.headers).some((v) => (Array.isArray(v) ? v.join(',') : String(v)).includes(KEY));

let capture: Awaited<ReturnType<typeof startCapture>>;
let dir: string;
let core: UploaderCore | undefined;

useEmulatorPerFile({ apiKey: KEY, processingMs: 20 });
beforeAll(async () => {
  capture = await startCapture();
});
afterAll(async () => {
  await capture.close();
});
beforeEach(async () => {
  dir = join(root, `case-${n}`);
  await mkdir(dir);
  capture.seen.length = 0;
});
afterEach(async () => {
  await core?.close();
  core = undefined;
});

/** A core with no key yet (so nothing is sent anywhere), pointed at the emulator, then given the key. */
async function coreOnEmulator(): Promise<UploaderCore> {
  const c = await UploaderCore.create({ dataDir: join(dir, 'data'), secrets: new MemorySecretStore() });
  core = c;
  const host = new URL(emulator.url).host;
  await c.invoke('settings:update', { baseUrl: emulator.url, confirmHost: host });
  expect(await c.invoke('settings:set-api-key', { apiKey: KEY })).toMatchObject({ valid: true });
  return c;
}

describe('changing the base URL', () => {
  it('refuses another host without a confirmation naming it, and the key goes nowhere new', async () => {
    const c = await coreOnEmulator();
    await expect(c.invoke('settings:update', { baseUrl: capture.url })).rejects.toThrow(
      new RegExp(`your API key would be sent to ${capture.host.replace('.', '\\.')}.*confirmHost`),
    );
    // A confirmation of another host, or of the host without its port, is no confirmation.
    for (const confirmHost of ['127.0.0.1', emulator.url, new URL(emulator.url).host, 'api.twelvelabs.io'])
      await expect(c.invoke('settings:update', { baseUrl: capture.url, confirmHost })).rejects.toThrow(
        /would be sent to/,
      );
    expect(c.settings().baseUrl).toBe(emulator.url);

    // The core keeps talking to the confirmed host: a sync reaches the emulator (its log proves
    // the requests happened, so silence at the capture server is not just "nothing was sent yet").
    await control.clearRequests();
    const state = await c.invoke('library:sync', { full: true });
    expect(state.online).toBe(true);
    expect((await control.requests('assets.list')).length).toBeGreaterThan(0);
    expect(capture.seen).toEqual([]);
    expect(capture.seen.filter(carriesKey)).toEqual([]);
  });

  it('accepts the change confirmed by host name, and then the key goes there', async () => {
    const c = await coreOnEmulator();
    const settings = await c.invoke('settings:update', { baseUrl: capture.url, confirmHost: capture.host });
    expect(settings.baseUrl).toBe(capture.url);
    expect(settings).not.toHaveProperty('confirmHost');
    await c.invoke('library:sync', { full: true });
    // The capture server does see the key now: the refusal above was what kept it away.
    expect(capture.seen.some(carriesKey)).toBe(true);
  });

  it('needs no confirmation for another path on the same host', async () => {
    const c = await coreOnEmulator();
    const sameHost = emulator.url.replace(/\/v1\.3$/, '/v1.3/');
    expect((await c.invoke('settings:update', { baseUrl: sameHost })).baseUrl).toBe(sameHost);
  });

  it('refuses plain http to any host but loopback, confirmed or not, and malformed URLs, with the reason', async () => {
    // No key here: the rule does not depend on one (a key entered later would follow the URL),
    // and no library sync runs against the unreachable hosts accepted at the end.
    const c = await UploaderCore.create({ dataDir: join(dir, 'data'), secrets: new MemorySecretStore() });
    core = c;
    await c.invoke('settings:update', { baseUrl: emulator.url, confirmHost: new URL(emulator.url).host });
    const refused: Array<[string, RegExp]> = [
      ['http://any-host/v1.3', /must use https:\/\/ for any-host.*only for this computer/],
      ['http://10.0.0.1:8080/v1.3', /must use https:\/\/ for 10\.0\.0\.1:8080/],
      ['http://127.0.0.1.evil.example/v1.3', /must use https:\/\//],
      ['not a url', /must be a full address such as https:\/\/api\.twelvelabs\.io\/v1\.3/],
      ['ftp://127.0.0.1/v1.3', /must start with https:\/\//],
      ['file:///etc/passwd', /must start with https:\/\//],
      ['https://user:pw@api.example.com/v1.3', /must not contain a user name or password/],
      ['https://api.example.com/v1.3?x=1', /must not contain a \?query/],
    ];
    for (const [baseUrl, reason] of refused) {
      const confirmHost = URL.canParse(baseUrl) ? new URL(baseUrl).host : baseUrl;
      await expect(c.invoke('settings:update', { baseUrl, confirmHost })).rejects.toThrow(reason);
    }
    expect(c.settings().baseUrl).toBe(emulator.url);
    // https to a named host and http on every loopback form are accepted once confirmed.
    for (const baseUrl of [
      'https://api.example.com/v1.3',
      'http://localhost:9/v1.3',
      'http://[::1]:9/v1.3',
      'http://127.8.9.10:9/v1.3',
    ]) {
      const settings = await c.invoke('settings:update', { baseUrl, confirmHost: new URL(baseUrl).host });
      expect(settings.baseUrl).toBe(baseUrl);
    }
  });
});

describe('base URLs from elsewhere', () => {
  it('refuses a launch-time base URL (TWELVELABS_BASE_URL) that is not https or loopback, before anything starts', async () => {
    const open = (baseUrl: string) =>
      UploaderCore.create({
        dataDir: join(dir, 'data'),
        secrets: new MemorySecretStore(KEY),
        overrides: { baseUrl },
      });
    await expect(open('http://any-host/v1.3')).rejects.toThrow(
      /TWELVELABS_BASE_URL \(http:\/\/any-host\/v1\.3\) must use https:\/\//,
    );
    // Typed by the person at launch: loopback http counts as confirmed, no question asked.
    core = await open(capture.url);
    expect(core.settings().baseUrl).toBe(capture.url);
  });

  it('does not use a saved base URL the rule refuses (an older version, an edited file)', async () => {
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'settings.json'), JSON.stringify({ baseUrl: 'http://any-host/v1.3' }));
    core = await UploaderCore.create({ dataDir: join(dir, 'data'), secrets: new MemorySecretStore() });
    expect(core.settings().baseUrl).toBe(DEFAULT_BASE_URL);
  });
});
