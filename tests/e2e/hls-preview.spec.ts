/**
 * The asset detail plays the HLS stream (hls.js: Chromium has no native HLS), on the Sandbox in
 * serve mode: Settings ask for HLS, a real H.264 clip made by ffmpeg is dropped, and its preview
 * loads the manifest and its segment through the page's CSP and decodes frames.
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { startServeProcess } from './serve-harness.ts';

let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;
let clip: Buffer;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-hls-');
  cleanup = tmp.cleanup;
  const path = join(tmp.dir, 'clip.ts');
  // An MPEG-TS clip: the Sandbox's HLS playlist has the uploaded file as its one segment.
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=d=2:s=160x120:r=10'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mpegts', path],
  ]);
  clip = await readFile(path);
  server = await startServeProcess(join(tmp.dir, 'data'), {}, { args: ['--sandbox'] });
});
test.afterAll(async () => {
  await server.stop();
  await cleanup();
});

test('the asset detail plays its HLS stream', async ({ page }) => {
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Ask for HLS streams (video and audio)').check();
  await page.getByRole('button', { name: 'Uploads' }).click();
  await page.evaluate((b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'clip.ts'));
    for (const type of ['dragenter', 'dragover', 'drop'])
      window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true }));
  }, clip.toString('base64'));
  const row = page.getByRole('list', { name: 'Upload queue' }).getByRole('article', { name: 'clip.ts' });
  await expect(row.getByText('Ready')).toBeVisible();
  await row.getByRole('button', { name: 'Open asset' }).click();
  const detail = page.getByRole('dialog', { name: 'clip.ts' });
  // Dropped in the browser: the staged copy's path is not shown as if it were the person's file.
  await expect(detail).toContainText('Added through the browser');
  await expect(detail).not.toContainText('/staging/');
  await detail.getByRole('button', { name: '▶ Play the HLS preview' }).click();
  await expect(detail.getByLabel('Preview of clip.ts')).toBeVisible();
  // Frames decoded: the stream went through hls.js and MediaSource, not a still image.
  await expect
    .poll(() => detail.locator('video').evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 })
    .toBeGreaterThanOrEqual(2);
  expect(await detail.locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(160);
  await expect(detail.getByText('cannot be played')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screens/asset-detail-hls-light.png' });
});
