/**
 * A drop lands wherever the window is: files dropped on the Library (not the Uploads view) are
 * added, said, and shown in Uploads — in real Chromium against serve mode.
 */
import { expect, test } from '@playwright/test';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mp4 } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { startServeProcess } from './serve-harness.ts';

let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;
let root: string;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-drop-');
  cleanup = tmp.cleanup;
  root = tmp.dir;
  // On the Sandbox from the start: each test stands alone (a retry, or one test run by itself, gets
  // a fresh server and must not land on the welcome screen another test clicked past).
  server = await startServeProcess(join(tmp.dir, 'data'), {}, { args: ['--sandbox'] });
});
test.afterAll(async () => {
  await server.stop();
  await cleanup();
});

test('files dropped on another view are added and shown in Uploads', async ({ page }) => {
  await page.goto(server.url);
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

test('a folder chosen in a browser leaves hidden files and hidden folders out', async ({ page }) => {
  const folder = join(root, 'shoot');
  await mkdir(join(folder, '.cache'), { recursive: true });
  await writeFile(join(folder, 'keep.mp4'), mp4({ payloadBytes: 10_000, seed: 31 }));
  await writeFile(join(folder, '.hidden.mp4'), mp4({ payloadBytes: 10_000, seed: 32 }));
  await writeFile(join(folder, '.cache', 'inside-hidden.mp4'), mp4({ payloadBytes: 10_000, seed: 33 }));
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Uploads' })).toBeVisible();
  await page.getByLabel('Choose a folder to upload').setInputFiles(folder);
  const queue = page.getByRole('list', { name: 'Upload queue' });
  await expect(queue.getByRole('article', { name: 'keep.mp4' })).toBeVisible();
  await expect(page.getByText('1 file added')).toBeVisible();
  await expect(queue.getByRole('article', { name: 'inside-hidden.mp4' })).toHaveCount(0);
  await expect(queue.getByRole('article', { name: '.hidden.mp4' })).toHaveCount(0);
});
