/**
 * Serve mode: every contract command and event over the real WebSocket transport, with the real
 * core on the Sandbox; and the security rules (token, Origin, Host, headers, thumbnails, staging).
 * The staging sweep is in serve-staging.test.ts, hostile inputs in serve-fuzz*.test.ts.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNames, eventNames, type CommandName } from '../../electron/shared/contract.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startEmulator } from '../../emulator/index.ts';
import { startServe, sanitizeName, WS_PROTOCOL, type RunningServe } from '../../electron/cli/serve.ts';
import { mp4, wav, writeFixture } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { ContractClient, http, until } from '../helpers/serve-client.ts';

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
  core = await UploaderCore.create({
    dataDir,
    secrets: new MemorySecretStore(),
    startSandbox: startEmulator,
    sandboxProcessingMs: 50,
  });
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

const open = (options?: Parameters<typeof ContractClient.open>[2]) =>
  ContractClient.open(serve.port, serve.token, options);
const request = (path: string, headers: Record<string, string> = {}, method = 'GET', body?: Buffer) =>
  http(serve.port, path, headers, method, body);

describe('the contract over the WebSocket', () => {
  it('runs every command and delivers every event', async () => {
    const client = await open();
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
    // On the Sandbox a key is saved, not called working: nobody tried it (the Sandbox has its own).
    const saved = await run('settings:set-api-key', { apiKey: 'tlk_sandbox_key_1' });
    expect(saved).toMatchObject({
      set: true,
      message: expect.stringContaining('not checked while the Sandbox is on'),
    });
    expect(saved).not.toHaveProperty('valid');
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
    await until('every upload to be ready or a duplicate', async () => {
      const list = (await run('uploads:list')) as { items: Array<{ state: string }> };
      return list.items.every((i) => ['ready', 'duplicate'].includes(i.state));
    });
    const [first, , third] = added.added;
    await run('uploads:pause', { id: third!.id });
    await run('uploads:resume', { id: third!.id });
    await run('uploads:cancel', { id: third!.id });
    await run('uploads:retry', { id: third!.id });
    await run('uploads:retry-all');
    await run('uploads:move-to-top', { id: third!.id });
    await run('uploads:upload-anyway', { id: third!.id });
    await run('uploads:upload-without-indexing', { id: third!.id }); // not refused by an index: no-op
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
    // A burst (more item events in one turn than a page needs) reaches the page as one
    // `uploads:changed`: 120 URLs added while everything is paused, then removed in one go.
    const burst = (await run('uploads:add', {
      inputs: Array.from({ length: 120 }, (_, i) => ({
        kind: 'url',
        url: `http://127.0.0.1:9/burst-${i}.mp4`,
      })),
    })) as { added: Array<{ id: string }> };
    expect(burst.added).toHaveLength(120);
    for (const item of burst.added) await run('uploads:cancel', { id: item.id });
    expect(await run('uploads:remove-finished', { states: ['canceled'] })).toMatchObject({
      removed: expect.any(Number),
    });
    await client.waitForEvent('uploads:changed');
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
    // Indexes (issue 17): made, listed, an asset indexed from the Library and its membership read.
    expect(page.total).toBeGreaterThan(1);
    const index = (await run('indexes:create', {
      name: 'serve-test',
      models: [{ name: 'marengo3.0', options: ['visual', 'audio'] }],
    })) as { id: string };
    expect(((await run('indexes:list')) as Array<{ id: string }>).map((i) => i.id)).toContain(index.id);
    const indexed = page.items[1]!.id;
    expect(await run('library:index-assets', { ids: [indexed], indexId: index.id })).toEqual([
      expect.objectContaining({ assetId: indexed, outcome: 'indexing' }),
    ]);
    expect(await run('library:memberships', { id: indexed })).toEqual([
      expect.objectContaining({ indexId: index.id, indexName: 'serve-test' }),
    ]);
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
    // app:notice included: the damage found at start-up is replayed to a client that connects later.
    expect(eventNames.filter((e) => !received.has(e))).toEqual([]);
    client.ws.close();
  }, 60_000);

  it('set a damaged ledger file aside at start-up, and tells a page that connects later', async () => {
    const entries = await readdir(join(root, 'data', 'sandbox'));
    expect(entries.some((e) => /^ledger(\.json\.corrupt-|\.damaged-)/.test(e))).toBe(true);
    const late = await open();
    await late.waitForEvent('app:notice');
    expect(JSON.stringify(late.events.filter((e) => e.event === 'app:notice'))).toMatch(/ledger/i);
    late.close();
  });

  it('refuses payloads that do not fit their schema, and unknown commands, with typed errors', async () => {
    const client = await open();
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

const bearer = () => ({ authorization: `Bearer ${serve.token}` });

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
    const page = await request('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>TL Uploader</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectHardened(page);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    // The Sandbox's media comes through serve itself (/sandbox-media/…): no local port, not even
    // the Sandbox's, whose port changes with the mode after the page loaded.
    expect(csp).toContain("media-src 'self' blob: https:;");
    expect(csp).not.toMatch(/127\.0\.0\.1|localhost|http:/);
    const favicon = await request('/favicon.ico');
    expect([200, 204]).toContain(favicon.status);
    expectHardened(favicon);
  });

  it('demands the token in a header, our Origin, our Host and a same-origin fetch', async () => {
    for (const res of [
      await request('/session'),
      await request(`/session?token=${serve.token}`), // tokens in URLs are not read
      await request('/session', { authorization: 'Bearer wrong' }),
      await request('/session', { authorization: `Bearer ${serve.token}x` }),
      await request('/session', { cookie: `tl_token=${serve.token}` }),
    ]) {
      expect(res.status).toBe(401);
      expectHardened(res);
    }
    const session = await request('/session', bearer());
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
      const res = await request('/session', headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expectHardened(res);
    }
    expect((await request('/', { host: `evil.example:${serve.port}` })).status).toBe(403);
    expect((await request('/../../etc/passwd')).status).toBe(404);
    expect((await request('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await request('/contract', bearer())).status).toBe(200);
    const wrongMethod = await request('/session', bearer(), 'DELETE');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');

    await expect(open({ protocols: [] })).rejects.toThrow(/401/);
    await expect(open({ protocols: [], path: `/ws?token=${serve.token}` })).rejects.toThrow(/401/);
    await expect(open({ protocols: [WS_PROTOCOL, 'tl-token.wrong'] })).rejects.toThrow(/401/);
    await expect(open({ headers: { origin: 'https://evil.example' } })).rejects.toThrow(/403/);
    await expect(open({ headers: { origin: 'http://127.0.0.1:1' } })).rejects.toThrow(/403/);
    const viaHeader = await open({ headers: bearer(), protocols: [] });
    expect(await viaHeader.call('settings:get')).toMatchObject({ ok: true });
    viaHeader.ws.close();
  });

  it('answers thumbnails with the media key only, typed from their bytes', async () => {
    const { mediaKey } = JSON.parse((await request('/session', bearer())).text) as { mediaKey: string };
    const withThumb = await until('a cached thumbnail', () =>
      core.library
        .query({ limit: 100 })
        .items.find((a) => core.library.detail(a.id)?.asset.thumbnailPath !== undefined),
    );
    const path = `/thumbnail/${withThumb.id}`;
    const ok = await request(`${path}?key=${mediaKey}`);
    expect(ok.status).toBe(200);
    expectHardened(ok);
    const magic = Buffer.from(ok.text, 'latin1').subarray(0, 3).toString('hex');
    expect(ok.headers['content-type']).toBe(magic === 'ffd8ff' ? 'image/jpeg' : 'image/png');
    expect((await request(`${path}?key=${serve.token}`)).status).toBe(401); // the token is not the media key
    expect((await request(path, bearer())).status).toBe(401);
    expect((await request(`${path}?key=${mediaKey}`, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    for (const id of ['constructor', '__proto__', '..%2F..%2Fsettings.json', 'ffffffffffffffffffffffff'])
      expect((await request(`/thumbnail/${id}?key=${mediaKey}`)).status).toBe(404);
    expect((await request(`/thumbnail/%E0%A4%A?key=${mediaKey}`)).status).toBe(400);
  });

  it('stages dropped files privately and refuses oversized ones', async () => {
    const staging = join(root, 'data', 'staging');
    const res = await request(
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
    expect((await request(`/upload?name=big.mp4`, bearer(), 'POST', big)).status).toBe(413);
    expect((await request(`/upload?name=x.wav`, {}, 'POST', wav(0.1))).status).toBe(401);
    expect(
      (await request(`/upload?name=x.wav`, { ...bearer(), origin: 'http://127.0.0.1:1' }, 'POST', wav(0.1)))
        .status,
    ).toBe(403);
    expect((await request(`/upload?name=..`, bearer(), 'POST', wav(0.1))).status).toBe(400);
    expect(sanitizeName('..')).toBe('');
    expect(sanitizeName('a\u0000b<c>.mp4')).toBe('a_b_c_.mp4');
    expect(sanitizeName('C:\\Users\\x\\clip.mp4')).toBe('clip.mp4');
    const long = sanitizeName(`${'é'.repeat(300)}.mp4`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long.endsWith('.mp4')).toBe(true);
  });
});
