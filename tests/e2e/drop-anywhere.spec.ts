/**
 * A drop lands wherever the window is: files dropped on the Library (not the Uploads view) are
 * added, said, and shown in Uploads — in real Chromium against serve mode.
 */
import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { mp4 } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { startServeProcess } from './serve-harness.ts';

let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-drop-');
  cleanup = tmp.cleanup;
  server = await startServeProcess(join(tmp.dir, 'data'));
});
test.afterAll(async () => {
  await server.stop();
  await cleanup();
});

test('files dropped on another view are added and shown in Uploads', async ({ page }) => {
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Try the Sandbox' }).click();
  await page.getByRole('button', { name: 'Library' }).click();
  await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();

  const b64 = mp4({ payloadBytes: 20_000, seed: 21 }).toString('base64');
  await page.evaluate((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], 'anywhere.mp4'));
    for (const type of ['dragenter', 'dragover', 'drop'])
      window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, b64);

  await expect(page.getByText('1 file added')).toBeVisible();
  await expect(
    page.getByRole('list', { name: 'Upload queue' }).getByRole('article', { name: 'anywhere.mp4' }),
  ).toBeVisible();
});
