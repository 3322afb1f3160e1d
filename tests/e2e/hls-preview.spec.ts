/**
 * The asset detail plays the HLS stream (hls.js: Chromium has no native HLS) in serve mode, on
 * the Sandbox the person switched to with the page open ("Try the Sandbox"): the page loaded
 * before the Sandbox ran, and its CSP allows no local port, so the stream must come through the
 * page's own origin (shared/sandbox-media.ts). Real ffmpeg clips: MPEG-TS, fragmented MP4 and an
 * ordinary MP4 (repackaged by the Sandbox's ffmpeg) play and decode frames; a WAV, which the
 * Sandbox cannot stream, says so instead of an error.
 */
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { startServeProcess } from './serve-harness.ts';

let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;
const clips: Record<string, Buffer> = {};

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-hls-');
  cleanup = tmp.cleanup;
  const make = async (name: string, ...format: string[]) => {
    const path = join(tmp.dir, name);
    execFileSync('ffmpeg', [
      ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=d=2:s=160x120:r=10'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...format, path],
    ]);
    clips[name] = await readFile(path);
  };
  await make('clip.ts', '-f', 'mpegts');
  await make('frag.mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof');
  await make('plain.mp4', '-movflags', '+faststart');
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=f=440:d=1', join(tmp.dir, 'tone.wav')],
  ]);
  clips['tone.wav'] = await readFile(join(tmp.dir, 'tone.wav'));
  // No --sandbox and no key: the page first loads on the welcome screen, before any Sandbox runs.
  server = await startServeProcess(join(tmp.dir, 'data'));
});
test.afterAll(async () => {
  await server.stop();
  await cleanup();
});

async function drop(page: Page, name: string) {
  await page.evaluate(
    ([file, b64]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64!), (c) => c.charCodeAt(0))], file!));
      for (const type of ['dragenter', 'dragover', 'drop'])
        window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true }));
    },
    [name, clips[name]!.toString('base64')],
  );
  const row = page.getByRole('list', { name: 'Upload queue' }).getByRole('article', { name });
  await expect(row.getByText('Ready')).toBeVisible({ timeout: 30_000 });
  await row.getByRole('button', { name: 'Open asset' }).click();
  return page.getByRole('dialog', { name });
}

test('switched to the Sandbox with the page open, the asset detail plays TS, fMP4 and MP4 streams through its own origin', async ({
  page,
}) => {
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(server.origin) && !r.url().startsWith('blob:') && !r.url().startsWith('data:'))
      foreign.push(r.url());
  });
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
  });
  const loaded = await page.goto(server.url);
  // The page's policy allows no local port (no http source at all), whatever the mode.
  expect(loaded?.headers()['content-security-policy']).not.toMatch(/http:/);
  await page.getByRole('button', { name: 'Try the Sandbox' }).click();
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Ask for HLS streams (video and audio)').check();
  await page.getByRole('button', { name: 'Uploads' }).click();

  for (const name of ['clip.ts', 'frag.mp4', 'plain.mp4']) {
    const detail = await drop(page, name);
    await detail.getByRole('button', { name: '▶ Play the HLS preview' }).click();
    await expect(detail.getByLabel(`Preview of ${name}`)).toBeVisible();
    // Frames decoded: the stream went through hls.js and MediaSource, not a still image.
    await expect
      .poll(() => detail.locator('video').evaluate((v: HTMLVideoElement) => v.readyState), {
        message: `${name} decodes`,
        timeout: 20_000,
      })
      .toBeGreaterThanOrEqual(2);
    expect(await detail.locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(160);
    await expect(detail.getByText('cannot be played')).toHaveCount(0);
    if (name === 'clip.ts')
      await page.screenshot({ path: 'test-results/screens/asset-detail-hls-light.png' });
    await page.keyboard.press('Escape');
    await expect(detail).toHaveCount(0);
  }
  expect(foreign, 'every request went to serve itself').toEqual([]);
  expect(blocked, 'nothing was blocked by the page policy').toEqual([]);
});

test('a file the Sandbox cannot stream says so in the detail instead of an error', async ({ page }) => {
  // Stands alone (run by itself, or retried on a fresh server): on the Sandbox, HLS asked for.
  await page.goto(server.url);
  await expect(page.getByRole('button', { name: /^(Try the Sandbox|Settings)$/ }).first()).toBeVisible();
  const welcome = page.getByRole('button', { name: 'Try the Sandbox' });
  if (await welcome.isVisible()) await welcome.click();
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Ask for HLS streams (video and audio)').check();
  await page.getByRole('button', { name: 'Uploads' }).click();
  const detail = await drop(page, 'tone.wav');
  await expect(detail.getByText('No stream for this asset in the Sandbox')).toBeVisible();
  await expect(detail.getByRole('button', { name: '▶ Play the HLS preview' })).toHaveCount(0);
  await expect(detail.locator('video')).toHaveCount(0);
});
