/**
 * What the data folder lost is said until the person dismisses it (issue 13): a warning toast
 * vanishes after 12 s, one they may never have seen; a data-loss notice must not. Real Chromium
 * against serve mode with a damaged settings.json; the page's clock is moved on, not waited out.
 */
import { expect, test } from '@playwright/test';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { startServeProcess } from './serve-harness.ts';

let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-lasting-');
  cleanup = tmp.cleanup;
  const dataDir = join(tmp.dir, 'data');
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, 'settings.json'), 'null');
  server = await startServeProcess(dataDir);
});
test.afterAll(async () => {
  await server.stop();
  await cleanup();
});

test('a data-loss notice stays until dismissed', async ({ page }) => {
  await page.clock.install();
  await page.goto(server.url);
  const notice = page.getByRole('status').filter({ hasText: /settings\.json held `null`/i });
  await expect(notice).toBeVisible();
  // Far past the 12 s a passing warning stays.
  await page.clock.fastForward(120_000);
  await expect(notice).toBeVisible();
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toHaveCount(0);
});
