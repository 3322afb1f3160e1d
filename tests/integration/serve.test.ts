/**
 * Serve mode: every contract command and event over the real WebSocket transport, with the real
 * core on the Sandbox; and the security rules (token, Origin, Host, headers, staging and its sweep).
 * The hostile inputs are in serve-fuzz.test.ts (against a real serve process).
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandNames,
  eventNames,
  type CommandName,
  type EventName,
} from '../../electron/shared/contract.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startServe, sanitizeName, WS_PROTOCOL, type RunningServe } from '../../electron/cli/serve.ts';
import { mp4, wav, writeFixture } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let root: string;
let cleanup: () => Promise<void>;
let core: UploaderCore;
let serve: RunningServe;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  const dataDir = join(root, 'data');
  // A damaged ledger from an earlier run: the core must say so (app:notice) and carry on.
  await mkdir(join(dataDir, 'sandbox'), { recursive: true });
  await writeFile(join(dataDir, 'sandbox', 'ledger.json'), '{ not json');
  await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ sandbox: true }));
  core = await UploaderCore.create({ dataDir, secrets: new MemorySecretStore(), sandboxProcessingMs: 50 });
  // Sample assets with thumbnails, for the thumbnail route.
  await core.seedDemo();
  // A stand-in page: these tests are about the transport, not the UI (tests/e2e covers that).
  await mkdir(join(root, 'ui'), { recursive: true });
  await writeFile(join(root, 'ui', 'index.html'), '<!doctype html><title>TL Uploader</title>');
  serve = await startServe(core, { maxUploadBytes: 2_000_000, rendererDir: join(root, 'ui') });
});
afterAll(async () => {
  await serve.close();
  await core.close();
  await cleanup();
});

class Client {
  private next = 1;
  private readonly waiting = new Map<
    number,
    (reply: { ok: boolean; value?: unknown; error?: { code: string; message: string } }) => void
  >();
  readonly events: Array<{ event: EventName; payload: unknown }> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.event) this.events.push(message);
      else this.waiting.get(message.id)?.(message);
    });
  }
  static async open(
    url: string,
    headers: Record<string, string> = {},
    protocols: string[] = [WS_PROTOCOL, `tl-token.${serve.token}`],
  ): Promise<Client> {
    const ws = new WebSocket(url, protocols, { headers });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new Client(ws);
  }
  call(command: string, payload: unknown = {}) {
    const id = this.next++;
    return new Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>(
      (resolve) => {
        this.waiting.set(id, resolve);
        this.ws.send(JSON.stringify({ id, command, payload }));
      },
    );
  }
  async waitForEvent(event: EventName, timeoutMs = 15_000) {
    const started = Date.now();
    while (!this.events.some((e) => e.event === event)) {
      if (Date.now() - started > timeoutMs) throw new Error(`no ${event} event`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const wsUrl = () => `ws://127.0.0.1:${serve.port}/ws`;

describe('the contract over the WebSocket', () => {
  it('runs every command and delivers every event', async () => {
    const client = await Client.open(wsUrl());
    const files = join(root, 'files');
    await mkdir(join(files, 'watched'), { recursive: true });
    const a = await writeFixture(join(files, 'a.mp4'), mp4({ seed: 11 }));
    const b = await writeFixture(join(files, 'b.wav'), wav(0.3));

    const seen = new Set<CommandName>();
    const run = async (name: CommandName, payload: unknown = {}) => {
      seen.add(name);
      const reply = await client.call(name, payload);
      expect(reply, `${name}: ${JSON.stringify(reply.error)}`).toMatchObject({ ok: true });
      return reply.value as never;
    };

    const settings = (await run('settings:get')) as { sandbox: boolean; apiKeySet: boolean };
    expect(settings).toMatchObject({ sandbox: true, apiKeySet: false });
    expect(JSON.stringify(settings)).not.toMatch(/apiKey"/);
    await run('settings:update', { concurrency: 2, bandwidthBytesPerSecond: 0 });
    expect(await run('settings:set-api-key', { apiKey: 'tlk_sandbox_key_1' })).toMatchObject({
      set: true,
      valid: true,
    });
    expect(JSON.stringify(await run('settings:get'))).not.toContain('tlk_sandbox_key_1');
    expect(await run('settings:test-api-key')).toMatchObject({ set: true });
    expect(await run('settings:clear-api-key')).toMatchObject({ set: false });

    // A folder given as a "file" (dropped on the desktop window) adds what it contains.
    await mkdir(join(files, 'dropped-folder'), { recursive: true });
    await writeFixture(join(files, 'dropped-folder', 'inside.wav'), wav(0.45));
    const folderAdd = (await run('uploads:add', {
      inputs: [{ kind: 'file', path: join(files, 'dropped-folder') }],
    })) as {
      added: Array<{ name: string }>;
    };
    expect(folderAdd.added.map((i) => i.name)).toEqual(['inside.wav']);
    const added = (await run('uploads:add', {
      inputs: [
        { kind: 'file', path: a },
        { kind: 'file', path: b },
        { kind: 'file', path: a },
      ],
    })) as {
      added: Array<{ id: string }>;
    };
    expect(added.added).toHaveLength(3);
    for (;;) {
      const list = (await run('uploads:list')) as { items: Array<{ state: string }> };
      if (list.items.every((i) => ['ready', 'duplicate'].includes(i.state))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const [first, , third] = added.added;
    await run('uploads:pause', { id: third!.id });
    await run('uploads:resume', { id: third!.id });
    await run('uploads:cancel', { id: third!.id });
    await run('uploads:retry', { id: third!.id });
    await run('uploads:retry-all');
    await run('uploads:move-to-top', { id: third!.id });
    await run('uploads:upload-anyway', { id: third!.id });
    await run('uploads:pause-all');
    await run('uploads:resume-all');
    await run('uploads:pause-all', { until: Date.now() + 60_000 });
    expect((await run('uploads:list')) as { totals: { pausedUntil?: number } }).toMatchObject({
      totals: { paused: true, pausedUntil: expect.any(Number) },
    });
    expect(await client.call('uploads:pause-all', { until: Date.now() - 1_000 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringMatching(/within the coming week/) },
    });
    await run('uploads:resume-all');
    await run('uploads:remove', { id: first!.id });
    await run('uploads:remove-finished');
    expect(((await run('uploads:history')) as unknown[]).length).toBeGreaterThan(0);
    await run('uploads:clear-history');

    const state = (await run('library:sync', { full: true })) as { online: boolean; assetCount: number };
    expect(state.online).toBe(true);
    const page = (await run('library:query', { limit: 10 })) as {
      items: Array<{ id: string }>;
      total: number;
    };
    expect(page.total).toBeGreaterThan(0);
    expect(await run('library:detail', { id: page.items[0]!.id })).toMatchObject({
      asset: { id: page.items[0]!.id },
    });
    await run('library:state');
    expect(await run('library:delete', { ids: [page.items[0]!.id], confirmed: true })).toEqual([
      { id: page.items[0]!.id, outcome: 'deleted' },
    ]);

    expect(await run('folders:preview', { path: join(files, 'watched') })).toMatchObject({ complete: true });
    const folder = (await run('folders:add', {
      path: join(files, 'watched'),
      settings: { stabilityMs: 300 },
    })) as { id: string };
    await run('folders:list');
    await run('folders:update', { id: folder.id, settings: { recursive: false } });
    await run('folders:pause', { id: folder.id });
    await run('folders:resume', { id: folder.id });
    await run('folders:rescan', {});
    await writeFixture(join(files, 'watched', 'new.wav'), wav(0.7));
    await client.waitForEvent('folders:status-changed');
    await run('folders:remove', { id: folder.id });
    seen.add('app:reveal-file');
    expect(await client.call('app:reveal-file', { path: a })).toMatchObject({
      ok: false,
      error: { code: 'failed', message: expect.stringMatching(/only possible in the desktop app/) },
    });

    seen.add('app:choose-and-add');
    expect(await client.call('app:choose-and-add', { kind: 'folder' })).toMatchObject({
      ok: false,
      error: { code: 'failed', message: expect.stringMatching(/only possible in the desktop app/) },
    });

    expect([...seen].sort()).toEqual([...commandNames].sort());
    await client.waitForEvent('uploads:totals-changed');
    await client.waitForEvent('library:changed');
    const received = new Set(client.events.map((e) => e.event));
    // app:notice was sent at start-up, before this client connected: checked below.
    expect(eventNames.filter((e) => e !== 'app:notice' && !received.has(e))).toEqual([]);
    client.ws.close();
  }, 60_000);

  it('set a damaged ledger file aside at start-up instead of crashing', async () => {
    // The notice went out before any client connected; the file set aside is the lasting proof.
    const entries = await readdir(join(root, 'data', 'sandbox'));
    expect(entries.some((e) => /^ledger(\.json\.corrupt-|\.damaged-)/.test(e))).toBe(true);
  });

  it('refuses payloads that do not fit their schema, and unknown commands, with typed errors', async () => {
    const client = await Client.open(wsUrl());
    expect(await client.call('uploads:pause', { id: 5 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    expect(await client.call('library:delete', { ids: ['x'] })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringMatching(/confirmed/) },
    });
    expect(await client.call('settings:update', { baseUrl: 'file:///etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    expect(
      await client.call('uploads:add', { inputs: [{ kind: 'file', path: '/x', extra: true }] }),
    ).toMatchObject({ ok: false });
    expect(await client.call('shell:exec', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown-command' },
    });
    client.ws.close();
  });
});

function http(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: Buffer,
): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: serve.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          text: Buffer.concat(chunks).toString('latin1'),
          headers: res.headers,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = () => ({ authorization: `Bearer ${serve.token}` });

async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The headers every answer must carry, whatever its status. */
function expectHardened(res: { headers: Record<string, string | string[] | undefined> }) {
  expect(res.headers).toMatchObject({
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  });
  expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(res.headers['set-cookie']).toBeUndefined();
}

describe('serve security', () => {
  it('serves the page publicly, with the token only in the fragment and no cookie', async () => {
    expect(serve.url).toBe(`${serve.origin}/#token=${serve.token}`);
    const page = await http('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>TL Uploader</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectHardened(page);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    // The in-process Sandbox's media (thumbnails, HLS) may be shown; no other local port.
    expect(csp).toContain(`media-src 'self' blob: https: ${new URL(core.apiBaseUrl).origin}`);
    expect(csp).not.toMatch(/127\.0\.0\.1:\*|http:(\s|;|$)/);
    const favicon = await http('/favicon.ico');
    expect([200, 204]).toContain(favicon.status);
    expectHardened(favicon);
  });

  it('demands the token in a header, our Origin, our Host and a same-origin fetch', async () => {
    for (const res of [
      await http('/session'),
      await http(`/session?token=${serve.token}`), // tokens in URLs are not read
      await http('/session', { authorization: 'Bearer wrong' }),
      await http('/session', { authorization: `Bearer ${serve.token}x` }),
      await http('/session', { cookie: `tl_token=${serve.token}` }),
    ]) {
      expect(res.status).toBe(401);
      expectHardened(res);
    }
    const session = await http('/session', bearer());
    expect(session.status).toBe(200);
    expectHardened(session);
    expect(JSON.parse(session.text)).toEqual({
      mediaKey: expect.stringMatching(/^[\w-]{32}$/),
      maxUploadBytes: 2_000_000,
    });
    expect(JSON.parse(session.text).mediaKey).not.toBe(serve.token);

    const foreign = [
      { ...bearer(), origin: 'https://evil.example' },
      { ...bearer(), origin: 'http://127.0.0.1:1' }, // another local port
      { ...bearer(), host: `evil.example:${serve.port}` }, // DNS rebinding
      { ...bearer(), 'sec-fetch-site': 'same-site' }, // a page on another local port
      { ...bearer(), 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of foreign) {
      const res = await http('/session', headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expectHardened(res);
    }
    expect((await http('/', { host: `evil.example:${serve.port}` })).status).toBe(403);
    expect((await http('/../../etc/passwd')).status).toBe(404);
    expect((await http('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await http('/contract', bearer())).status).toBe(200);
    const wrongMethod = await http('/session', bearer(), 'DELETE');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');

    await expect(Client.open(wsUrl(), {}, [])).rejects.toThrow(/401/);
    await expect(Client.open(`${wsUrl()}?token=${serve.token}`, {}, [])).rejects.toThrow(/401/);
    await expect(Client.open(wsUrl(), {}, [WS_PROTOCOL, 'tl-token.wrong'])).rejects.toThrow(/401/);
    await expect(Client.open(wsUrl(), { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    await expect(Client.open(wsUrl(), { origin: 'http://127.0.0.1:1' })).rejects.toThrow(/403/);
    const viaHeader = await Client.open(wsUrl(), bearer(), []);
    expect(await viaHeader.call('settings:get')).toMatchObject({ ok: true });
    viaHeader.ws.close();
  });

  it('answers thumbnails with the media key only, typed from their bytes', async () => {
    const { mediaKey } = JSON.parse((await http('/session', bearer())).text) as { mediaKey: string };
    const withThumb = await until('a cached thumbnail', () =>
      core.library
        .query({ limit: 100 })
        .items.find((a) => core.library.detail(a.id)?.asset.thumbnailPath !== undefined),
    );
    const path = `/thumbnail/${withThumb.id}`;
    const ok = await http(`${path}?key=${mediaKey}`);
    expect(ok.status).toBe(200);
    expectHardened(ok);
    const magic = Buffer.from(ok.text, 'latin1').subarray(0, 3).toString('hex');
    expect(ok.headers['content-type']).toBe(magic === 'ffd8ff' ? 'image/jpeg' : 'image/png');
    expect((await http(`${path}?key=${serve.token}`)).status).toBe(401); // the token is not the media key
    expect((await http(path, bearer())).status).toBe(401);
    expect((await http(`${path}?key=${mediaKey}`, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    for (const id of ['constructor', '__proto__', '..%2F..%2Fsettings.json', 'ffffffffffffffffffffffff'])
      expect((await http(`/thumbnail/${id}?key=${mediaKey}`)).status).toBe(404);
    expect((await http(`/thumbnail/%E0%A4%A?key=${mediaKey}`)).status).toBe(400);
  });

  it('stages dropped files privately and refuses oversized ones', async () => {
    const staging = join(root, 'data', 'staging');
    const res = await http(
      `/upload?name=${encodeURIComponent('../../../escape.wav')}`,
      bearer(),
      'POST',
      wav(0.2),
    );
    expect(res.status).toBe(200);
    const result = JSON.parse(res.text) as { added: Array<{ name: string; source: { path: string } }> };
    expect(result.added[0]!.name).toBe('escape.wav');
    const staged = result.added[0]!.source.path;
    expect(staged.startsWith(join(staging, 'sandbox') + '/')).toBe(true);
    expect(await readdir(join(root, 'data'))).not.toContain('escape.wav');
    expect(await readdir(root)).not.toContain('escape.wav');

    const big = Buffer.alloc(2_500_000, 1);
    expect((await http(`/upload?name=big.mp4`, bearer(), 'POST', big)).status).toBe(413);
    expect((await http(`/upload?name=x.wav`, {}, 'POST', wav(0.1))).status).toBe(401);
    expect(
      (await http(`/upload?name=x.wav`, { ...bearer(), origin: 'http://127.0.0.1:1' }, 'POST', wav(0.1)))
        .status,
    ).toBe(403);
    expect((await http(`/upload?name=..`, bearer(), 'POST', wav(0.1))).status).toBe(400);
    expect(sanitizeName('..')).toBe('');
    expect(sanitizeName('a\u0000b<c>.mp4')).toBe('a_b_c_.mp4');
    expect(sanitizeName('C:\\Users\\x\\clip.mp4')).toBe('clip.mp4');
    const long = sanitizeName(`${'é'.repeat(300)}.mp4`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long.endsWith('.mp4')).toBe(true);
  });
});

describe('staging sweep', () => {
  const stagingRoot = () => join(root, 'data', 'staging', 'sandbox');
  const exists = (path: string) =>
    stat(path).then(
      () => true,
      () => false,
    );
  async function drop(name: string, bytes: Buffer) {
    const res = await http(`/upload?name=${encodeURIComponent(name)}`, bearer(), 'POST', bytes);
    expect(res.status, res.text).toBe(200);
    const item = (JSON.parse(res.text) as { added: Array<{ id: string; source: { path: string } }> })
      .added[0]!;
    return { id: item.id, dir: join(item.source.path, '..') };
  }
  const state = (id: string) => core.queue.list().find((i) => i.id === id)?.state;

  it('keeps a staged copy private while queued and removes it when its item is removed', async () => {
    core.queue.pauseAll();
    try {
      const { id, dir } = await drop('held.wav', wav(0.31));
      expect(['queued', 'paused']).toContain(state(id));
      expect((await stat(stagingRoot())).mode & 0o777).toBe(0o700);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dir, 'held.wav'))).mode & 0o777).toBe(0o600);
      await core.invoke('uploads:remove', { id });
      await until('the staged folder to go', async () => !(await exists(dir)));
    } finally {
      core.queue.resumeAll();
    }
  });

  it('removes it when its item is ready or canceled; a duplicate keeps it for "Upload anyway" until removed', async () => {
    const bytes = wav(0.37);
    const first = await drop('ready.wav', bytes);
    await until('ready', () => state(first.id) === 'ready');
    await until('the ready copy to go', async () => !(await exists(first.dir)));

    const again = await drop('again.wav', bytes);
    await until('duplicate', () => state(again.id) === 'duplicate');
    expect(await exists(join(again.dir, 'again.wav'))).toBe(true);
    await core.invoke('uploads:remove', { id: again.id });
    await until('the duplicate copy to go', async () => !(await exists(again.dir)));

    core.queue.pauseAll();
    try {
      const canceled = await drop('canceled.wav', wav(0.41));
      await core.invoke('uploads:cancel', { id: canceled.id });
      await until('the canceled copy to go', async () => !(await exists(canceled.dir)));
    } finally {
      core.queue.resumeAll();
    }
  });
});
