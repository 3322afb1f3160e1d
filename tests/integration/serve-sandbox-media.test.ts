/**
 * Serve's relay of the Sandbox's media (`/sandbox-media/<media key>/…`, shared/sandbox-media.ts):
 * the page's CSP names no local port, so the HLS preview's playlist and segments come through
 * serve's own origin, from the Sandbox of the moment. Attacked: before the Sandbox runs, after
 * the switch (the same page, no reload), without or with a wrong key, from another site, with paths
 * the Sandbox serves but the relay must not reach (its control API), and after switching away.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../electron/cli/serve.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/shared/content-security-policy.ts';
import { pageMediaUrl } from '../../electron/shared/sandbox-media.ts';
import { startEmulator } from '../../emulator/index.ts';
import { command, http, until } from '../helpers/serve-client.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let root: string;
let cleanup: () => Promise<void>;
let core: UploaderCore;
let serve: RunningServe;
let mediaKey: string;
let clip: Buffer;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-serve-sandbox-media-'));
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=d=1:s=64x48:r=10'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-f', 'mpegts'],
    join(root, 'clip.ts'),
  ]);
  clip = await readFile(join(root, 'clip.ts'));
  // Not on the Sandbox at start: the person switches to it later, as "Try the Sandbox" does.
  core = await UploaderCore.create({
    dataDir: join(root, 'data'),
    secrets: new MemorySecretStore(),
    startSandbox: startEmulator,
    sandboxProcessingMs: 20,
  });
  serve = await startServe(core, { rendererDir: join(root, 'no-ui'), logger: silentLogger });
  const session = await http(serve.port, '/session', { authorization: `Bearer ${serve.token}` });
  mediaKey = (JSON.parse(session.text) as { mediaKey: string }).mediaKey;
});
afterAll(async () => {
  await serve?.close();
  await core?.close();
  await cleanup();
});

const run = (name: string, payload: unknown = {}) => command(serve.port, serve.token, name, payload);
const relay = (url: string, key = mediaKey) => pageMediaUrl(url, `/sandbox-media/${key}`)!;
const get = (path: string, headers: Record<string, string> = {}) =>
  http(serve.port, path, { 'sec-fetch-site': 'same-origin', ...headers });

describe("serve relays the Sandbox's media through its own origin", () => {
  it('follows the mode: nothing before the Sandbox, the stream after the switch, nothing after leaving it', async () => {
    const made = `/sandbox-media/${mediaKey}/${'a'.repeat(24)}/${'b'.repeat(32)}/hls/master.m3u8`;
    expect((await get(made)).status).toBe(404);

    await run('settings:update', { sandbox: true, defaultOptions: { enableHls: true } });
    await run('uploads:add', { inputs: [{ kind: 'file', path: join(root, 'clip.ts') }] });
    const manifestUrl = await until('the stream is ready', async () => {
      const page = (await run('library:query', { limit: 10 })) as {
        items: Array<{ hls?: { status?: string; manifestUrl?: string } }>;
      };
      return page.items.find((a) => a.hls?.status === 'ready')?.hls?.manifestUrl;
    });
    expect(new URL(manifestUrl).protocol).toBe('http:'); // the Sandbox's own origin, on loopback

    const playlist = await get(relay(manifestUrl));
    expect(playlist.status).toBe(200);
    expect(playlist.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(playlist.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(playlist.headers['cache-control']).toBe('no-store');
    // The segment, named relative to the playlist, resolves inside the relay (the key kept).
    const segmentUri = playlist.text.split('\n').find((l) => l && !l.startsWith('#'))!;
    const segmentPath = new URL(segmentUri, `http://x${relay(manifestUrl)}`).pathname;
    expect(segmentPath.startsWith(`/sandbox-media/${mediaKey}/`)).toBe(true);
    const segment = await get(segmentPath);
    expect(segment.status).toBe(200);
    expect(segment.headers['content-type']).toBe('video/mp2t');
    expect(Buffer.from(segment.text, 'latin1').equals(clip)).toBe(true);

    // The page itself needs no other origin for it, in any mode.
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/http:|127\.0\.0\.1|localhost/);

    await run('settings:update', { sandbox: false });
    expect((await get(relay(manifestUrl))).status).toBe(404);
    await run('settings:update', { sandbox: true });
    expect((await get(relay(manifestUrl))).status).toBe(200);
  });

  it("refuses a missing or wrong key, the token as key, another site, and paths outside an asset's media", async () => {
    const page = (await run('library:query', { limit: 10 })) as {
      items: Array<{ hls?: { manifestUrl?: string } }>;
    };
    const manifestUrl = page.items.find((a) => a.hls?.manifestUrl)!.hls!.manifestUrl!;
    const good = relay(manifestUrl);
    expect((await get(good)).status).toBe(200);
    expect((await get(relay(manifestUrl, 'wrong-key'))).status).toBe(401);
    expect((await get(relay(manifestUrl, serve.token))).status).toBe(401);
    expect((await get(good, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await get(good, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const [, , , id, token] = good.split('/');
    for (const rest of [
      '_emulator/settings',
      `${id}/${token}/../../../_emulator/requests`,
      `${id}/${token}/%2e%2e/%2e%2e/%2e%2e/_emulator/requests`,
      `${id}/${token}/hls/other.m3u8`,
      `${id}/${token}/hls/master.m3u8/x`,
      `${id}/short/hls/master.m3u8`,
    ])
      expect((await get(`/sandbox-media/${mediaKey}/${rest}`)).status, rest).toBe(404);
    // Other files of an asset's media are relayed only as the Sandbox serves them: a TS has no init.
    expect((await get(good.replace('master.m3u8', 'init.mp4'))).status).toBe(404);
  });
});
