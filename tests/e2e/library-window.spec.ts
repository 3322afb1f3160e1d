/**
 * Issues 18 and 19: the Library with 12,000 assets, in real Chromium against serve mode, through
 * the one virtual list the Uploads view uses too. Only a window of rows is in the DOM and only
 * pages of assets cross the contract; the scrollbar stands for every asset (the middle and the
 * last are reached by scrolling), and a sort or a search pages the core's kept order.
 */
import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { startServeProcess } from './serve-harness.ts';

const KEY = 'tlk_e2e_library_window_01';
const COUNT = 12_000;
let emulator: RunningEmulator;
let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-library-window-');
  cleanup = tmp.cleanup;
  emulator = await startEmulator({ apiKey: KEY, processingMs: 600_000 });
  await new EmulatorControl(emulator.origin).seed({ count: COUNT, kind: 'video', filenamePrefix: 'take' });
  server = await startServeProcess(join(tmp.dir, 'data'), {
    TWELVELABS_BASE_URL: emulator.url,
    TWELVELABS_API_KEY: KEY,
  });
});
test.afterAll(async () => {
  await server.stop();
  await emulator.close().catch(() => undefined);
  await cleanup();
});

test('12,000 assets: a window in the DOM, pages over the contract, the middle and the end by scrolling', async ({
  page,
}) => {
  const queries: Array<{ offset?: number; limit?: number; sort?: { by: string } }> = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      const m = JSON.parse(String(f.payload)) as { command?: string; payload?: (typeof queries)[number] };
      if (m.command === 'library:query') queries.push(m.payload ?? {});
    }),
  );
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Library', exact: true }).click();
  // The first sync (at start) brings every asset; the view follows it through library:changed.
  await expect(page.getByText(`${COUNT} assets`)).toBeVisible({ timeout: 60_000 });
  const list = page.getByRole('list', { name: 'Assets' });
  await page.getByLabel('Sort').selectOption('name:asc');
  await expect(list.getByRole('listitem').first()).toContainText('take-00001.mp4');

  // Only a window: a few dozen rows in the DOM, every page far smaller than the library.
  const rows = () => list.getByRole('listitem').count();
  expect(await rows()).toBeGreaterThan(5);
  expect(await rows()).toBeLessThan(80);
  expect(queries.length).toBeGreaterThan(0);
  for (const q of queries) expect(q.limit ?? Infinity).toBeLessThanOrEqual(1000);

  // Row 6,000 in name order, reached by the scrollbar alone (56 px a row).
  await list.evaluate((el) => (el.scrollTop = 5_999 * 56));
  await expect(list.getByRole('button', { name: 'take-06000.mp4' })).toBeVisible();
  // The last one, at the bottom.
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(list.getByRole('button', { name: `take-${COUNT}.mp4` })).toBeVisible();
  expect(await rows()).toBeLessThan(80);
  expect(queries.some((q) => q.sort?.by === 'name' && (q.offset ?? 0) > COUNT - 1000)).toBe(true);

  // A search pages the core too, and starts again from the top: 10 names hold "take-0999".
  await page.getByLabel('Search by file name').fill('take-0999');
  await expect(page.getByText('10 assets')).toBeVisible();
  await expect(list.getByRole('listitem')).toHaveCount(10);
  await expect(list.getByRole('listitem').first()).toContainText('take-09990.mp4');
  await expect(list.getByRole('listitem').last()).toContainText('take-09999.mp4');

  // A narrow window: the thumbnail shrinks with its column (the narrow rule once lost to the
  // wide one declared after it, and 64 px thumbnails spilled over a 48 px column).
  const thumbWidth = () =>
    list
      .getByRole('listitem')
      .first()
      .locator('.thumb')
      .evaluate((el) => el.getBoundingClientRect().width);
  expect(await thumbWidth()).toBe(64);
  await page.setViewportSize({ width: 800, height: 700 });
  await expect.poll(thumbWidth).toBe(48);
});
