/**
 * The row of an upload whose ready asset the chosen index's models refuse (issue 17, "check (b)"),
 * in Chromium against serve mode on the Sandbox: a real 640×200 H.264 clip from ffmpeg, added by
 * URL from a local web server that gives no byte ranges (so it cannot be checked before upload).
 * It ends "Not indexed" with its reason; Retry, which would be refused the same way, is not
 * offered; "Keep without indexing" is, and ends it Ready with the reason it is not indexed.
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { serveFolder } from '../helpers/static-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { createIndexInUploads } from './page-actions.ts';
import { startServeProcess } from './serve-harness.ts';

let server: Awaited<ReturnType<typeof startServeProcess>>;
let web: Awaited<ReturnType<typeof serveFolder>>;
let cleanup: () => Promise<void>;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-index-refused-');
  cleanup = tmp.cleanup;
  const media = join(tmp.dir, 'media');
  execFileSync('mkdir', ['-p', media]);
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=d=5:s=640x200:r=10'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(media, 'low.mp4')],
  ]);
  web = await serveFolder(media, { ranges: 'ignore' });
  server = await startServeProcess(join(tmp.dir, 'data'), {}, { args: ['--sandbox'] });
});
test.afterAll(async () => {
  await server?.stop();
  await web?.close();
  await cleanup?.();
});

test('an asset the index refuses offers no Retry, and can be kept without indexing', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(server.url);
  await createIndexInUploads(page, 'wide');
  await page.getByRole('button', { name: 'Add URLs' }).click();
  await page.locator('#urls').fill(`${web.origin}/low.mp4`);
  await page.getByRole('button', { name: 'Add', exact: true }).click();

  const row = page.getByRole('list', { name: 'Upload queue' }).getByRole('article', { name: 'low.mp4' });
  await expect(row.getByText('Not indexed', { exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(row.getByText(/640×200 is below the 360×360 minimum/)).toBeVisible();
  await expect(row.getByRole('button', { name: 'Keep without indexing' })).toBeVisible();
  await expect(row.getByRole('button', { name: 'Retry' })).toHaveCount(0);

  await row.getByRole('button', { name: 'Keep without indexing' }).click();
  await expect(row.getByText('Ready', { exact: true })).toBeVisible();
  await expect(row.getByText(/^Kept without indexing: 640×200 is below/)).toBeVisible();
  await expect(row.getByRole('button', { name: 'Keep without indexing' })).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Retry' })).toHaveCount(0);
});
