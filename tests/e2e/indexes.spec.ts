/**
 * Indexes in the page (issue 17), in Chromium against serve mode on the Sandbox, with real H.264
 * clips made by ffmpeg: an index created and chosen where files are added (the upload ends
 * indexed), chosen for a watched folder (its upload ends indexed), and assets indexed from the
 * Library (the detail shows the membership and its status).
 */
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { createIndexInUploads, dropFiles } from './page-actions.ts';
import { startServeProcess } from './serve-harness.ts';

let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;
let dir: string;
let clip: Buffer;
/** Other content: the same bytes again would be a duplicate of the first upload. */
let other: Buffer;

function video(path: string, seconds = 5) {
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=d=${seconds}:s=480x360:r=10`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path],
  ]);
  return path;
}

async function drop(page: Page, name: string, bytes = clip) {
  await dropFiles(page, [{ name, bytes }]);
}

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-indexes-');
  ({ dir, cleanup } = tmp);
  clip = await readFile(video(join(dir, 'clip.mp4')));
  other = await readFile(video(join(dir, 'other.mp4'), 6));
  server = await startServeProcess(join(dir, 'data'), {}, { args: ['--sandbox'] });
});
test.afterAll(async () => {
  await server.stop();
  await cleanup();
});

test('choose and create an index where files are added, and the upload ends indexed', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(server.url);
  const picker = await createIndexInUploads(page, 'talks');
  await drop(page, 'talk.mp4');
  const row = page.getByRole('list', { name: 'Upload queue' }).getByRole('article', { name: 'talk.mp4' });
  await expect(row.getByText('Indexed')).toBeVisible({ timeout: 60_000 });
  await page.screenshot({ path: 'test-results/screens/uploads-indexed-light.png' });

  // Upload only, then index it from the Library.
  await picker.selectOption({ label: 'No index (upload only)' });
  await drop(page, 'later.mp4', other);
  const later = page.getByRole('list', { name: 'Upload queue' }).getByRole('article', { name: 'later.mp4' });
  await expect(later.getByText('Ready')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Library', exact: true }).click();
  await page.getByLabel('Select later.mp4').check();
  await page.locator('#library-index').selectOption({ label: 'talks' });
  await page.getByRole('button', { name: 'Index selected' }).click();
  await page.getByRole('button', { name: 'later.mp4' }).first().click();
  const detail = page.getByRole('dialog', { name: 'later.mp4' });
  await expect(detail.getByRole('region', { name: 'Indexes' })).toContainText('talks: Indexed', {
    timeout: 60_000,
  });
});

test('choose an index for a watched folder, and what it uploads ends indexed', async ({ page }) => {
  test.setTimeout(90_000);
  const folder = join(dir, 'exports');
  await mkdir(folder);
  video(join(folder, 'take1.mp4'), 7); // content of its own (the same bytes would be a duplicate)
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Uploads', exact: true }).click();
  // An index of its own for the folder, made in the folder's chooser.
  await page.getByRole('button', { name: 'Watched folders', exact: true }).click();
  const picker = page.locator('#folder-index');
  await picker.selectOption({ label: 'New index…' });
  const form = page.getByRole('form', { name: 'New index' });
  await form.getByLabel('Index name').fill('exports');
  await form.getByRole('button', { name: 'Create index' }).click();
  await expect(picker.locator('option:checked')).toHaveText('exports');
  await page.getByLabel('Folder', { exact: true }).fill(folder);
  await page.getByRole('button', { name: 'Watch folder' }).click();
  await page.getByRole('button', { name: 'Uploads', exact: true }).click();
  const row = page.getByRole('list', { name: 'Upload queue' }).getByRole('article', { name: 'take1.mp4' });
  await expect(row.getByText('Indexed')).toBeVisible({ timeout: 60_000 });
  await row.getByRole('button', { name: 'Open asset' }).click();
  const detail = page.getByRole('dialog', { name: 'take1.mp4' });
  await expect(detail.getByRole('region', { name: 'Indexes' })).toContainText('exports: Indexed');
});

test('a default index in Settings applies to what is added with the default chosen', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.locator('#settings-index').selectOption({ label: 'talks' });
  await page.getByRole('button', { name: 'Uploads', exact: true }).click();
  await expect(page.locator('#uploads-index option:checked')).toHaveText('Default (talks)');
  const third = await readFile(video(join(dir, 'third.mp4'), 8));
  await drop(page, 'third.mp4', third);
  const row = page.getByRole('list', { name: 'Upload queue' }).getByRole('article', { name: 'third.mp4' });
  await expect(row.getByText('Indexed')).toBeVisible({ timeout: 60_000 });
});
