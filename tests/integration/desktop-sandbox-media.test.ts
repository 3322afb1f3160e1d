/**
 * The desktop window's HLS preview on the Sandbox: the real built main process under the stand-in
 * Electron (tests/helpers/electron-stand-in), switched to the Sandbox after its page loaded. The
 * page's CSP allows no local port (not `http://127.0.0.1:*`, which any local service would match);
 * the Sandbox's playlist and segment come through app:// itself (`/sandbox-media/…`), from the
 * Sandbox of the moment, and nothing once the app leaves the Sandbox.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { DESKTOP_POLICY } from '../../electron/main/app-url.ts';
import { pageMediaUrl } from '../../electron/shared/sandbox-media.ts';
import { buildDesktopBundle, StandInApp } from '../helpers/electron-stand-in/driver.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let bundle: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  bundle = await buildDesktopBundle();
});
afterAll(() => bundle?.cleanup());

interface Fetched {
  status: number;
  type: string | null;
  body: string;
}

it('plays the Sandbox stream through app:// after a switch with the window open; the policy names no local port', async () => {
  const temp = await makeTempDir('tl-desktop-media-');
  onTestFinished(temp.cleanup);
  const clip = join(temp.dir, 'clip.ts');
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=d=1:s=64x48:r=10'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-f', 'mpegts', clip],
  ]);
  // Not on the Sandbox at start (the stand-in's default is the Sandbox): the person switches later.
  const app = new StandInApp(bundle.dir, { dataDir: temp.dir, env: { TL_UPLOADER_SANDBOX: '0' } });
  onTestFinished(() => app.kill());
  await app.waitFor('page-loaded');
  expect(app.of('page-loaded')[0]!.csp).toBe(DESKTOP_POLICY);
  expect(DESKTOP_POLICY).not.toMatch(/http:|127\.0\.0\.1|localhost/);
  const fetchApp = (path: string) => app.control<Fetched>('fetch', { url: `app://tl-uploader${path}` });
  // Not on the Sandbox yet: a well-formed relay path reaches nothing.
  expect((await fetchApp(`/sandbox-media/${'a'.repeat(24)}/${'b'.repeat(32)}/hls/master.m3u8`)).status).toBe(
    404,
  );

  expect(
    (await app.invoke('settings:update', { sandbox: true, defaultOptions: { enableHls: true } })).ok,
  ).toBe(true);
  expect((await app.invoke('uploads:add', { inputs: [{ kind: 'file', path: clip }] })).ok).toBe(true);
  let manifestUrl: string | undefined;
  await app.until(async () => {
    const page = await app.invoke<{ items: Array<{ hls?: { status?: string; manifestUrl?: string } }> }>(
      'library:query',
      { limit: 10 },
    );
    manifestUrl = page.value?.items.find((a) => a.hls?.status === 'ready')?.hls?.manifestUrl;
    return manifestUrl !== undefined;
  }, 'the stream is ready');

  const playlistPath = pageMediaUrl(manifestUrl!, '/sandbox-media')!;
  const playlist = await fetchApp(playlistPath);
  expect(playlist).toMatchObject({ status: 200, type: 'application/vnd.apple.mpegurl' });
  const segmentUri = playlist.body.split('\n').find((l) => l && !l.startsWith('#'))!;
  const segmentPath = new URL(segmentUri, `app://tl-uploader${playlistPath}`).pathname;
  expect(segmentPath).toMatch(/^\/sandbox-media\/[0-9a-f]{24}\/[\w-]+\/source$/);
  expect(await fetchApp(segmentPath)).toMatchObject({ status: 200, type: 'video/mp2t' });
  // Nothing but an asset's media: not the Sandbox's control API.
  expect((await fetchApp('/sandbox-media/_emulator/settings')).status).toBe(404);

  expect((await app.invoke('settings:update', { sandbox: false })).ok).toBe(true);
  expect((await fetchApp(playlistPath)).status).toBe(404);
});
