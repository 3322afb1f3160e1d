/**
 * Issue 18: the Uploads view with a queue of 12,000 items, in real Chromium against serve mode.
 * Only a window of rows is in the DOM (and only a page of items crossed the contract), scrolling
 * reaches the last item, a filter's count and rows come from the core's pages, and "Pause all"
 * pauses what is in view.
 */
import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { serveCommand, startServeProcess } from './serve-harness.ts';

const KEY = 'tlk_e2e_window_key_01';
const COUNT = 12_000;
let emulator: RunningEmulator;
let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;

/** One contract command over serve mode's WebSocket, as the page sends it. */
const command = (name: string, payload: unknown = {}) => serveCommand(server, name, payload);

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-window-');
  cleanup = tmp.cleanup;
  emulator = await startEmulator({ apiKey: KEY, processingMs: 600_000 });
  server = await startServeProcess(join(tmp.dir, 'data'), {
    TWELVELABS_BASE_URL: emulator.url,
    TWELVELABS_API_KEY: KEY,
  });
  // Paused first, so the items added stay put (paused) until the test resumes them.
  await command('uploads:pause-all');
  for (let from = 0; from < COUNT; from += 6_000)
    await command('uploads:add', {
      inputs: Array.from({ length: 6_000 }, (_, i) => ({
        kind: 'url',
        url: `https://media.invalid/take-${String(from + i).padStart(5, '0')}.mp4`,
      })),
    });
});
test.afterAll(async () => {
  await server.stop();
  await emulator.close().catch(() => undefined);
  await cleanup();
});

test('12,000 queued items: a window in the DOM, the last one reached by scrolling, pause-all', async ({
  page,
}) => {
  const pages: Array<{ offset?: number; limit?: number }> = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      const m = JSON.parse(String(f.payload)) as {
        command?: string;
        payload?: { offset?: number; limit?: number };
      };
      if (m.command === 'uploads:list') pages.push(m.payload ?? {});
    }),
  );
  await page.goto(server.url);
  const list = page.getByRole('list', { name: 'Upload queue' });
  await expect(list.getByRole('article', { name: 'take-00000.mp4' })).toBeVisible();
  await expect(page.getByRole('tab', { name: /^All/ })).toContainText(String(COUNT));

  // Only a window: a few dozen rows in the DOM, each page asked for far fewer than all items.
  const rows = await list.getByRole('listitem').count();
  expect(rows).toBeGreaterThan(5);
  expect(rows).toBeLessThan(80);
  expect(pages.length).toBeGreaterThan(0);
  for (const p of pages) expect(p.limit ?? Infinity).toBeLessThanOrEqual(1000);

  // The scrollbar stands for every item: scrolling to the bottom shows the last one.
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const last = list.getByRole('article', { name: `take-${String(COUNT - 1).padStart(5, '0')}.mp4` });
  await expect(last).toBeVisible();
  await expect(last).toContainText('Paused');
  expect(await list.getByRole('listitem').count()).toBeLessThan(80);
  expect(pages.some((p) => (p.offset ?? 0) > COUNT - 1000)).toBe(true);

  // Resume all, then pause all: the rows in view follow the queue's events.
  await page.getByRole('button', { name: 'Resume all' }).click();
  await expect(last).toContainText('Queued');
  await page.getByRole('button', { name: 'Pause all', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Resume all' })).toBeVisible();
  await expect(last).toContainText('Paused');

  // A filter pages the core too: "Done" holds none of them, "In progress" all but what ended.
  await page.getByRole('tab', { name: /^Done/ }).click();
  const done = Number(
    (await page.getByRole('tab', { name: /^Done/ }).locator('.count').textContent()) ?? 'NaN',
  );
  if (done === 0) await expect(page.getByText('Nothing here')).toBeVisible();
  await page.getByRole('tab', { name: /^In progress/ }).click();
  await expect(list.getByRole('listitem').first()).toBeVisible();
  expect(pages.some((p) => (p as { filter?: string }).filter === 'active')).toBe(true);
});

test('a view opened again leaves no reader behind: one page read per change, however often it was opened', async ({
  page,
}) => {
  let reads = 0;
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      if ((JSON.parse(String(f.payload)) as { command?: string }).command === 'uploads:list') reads++;
    }),
  );
  await page.goto(server.url);
  const list = page.getByRole('list', { name: 'Upload queue' });
  await expect(list.getByRole('article').first()).toBeVisible();
  // Opened four times: a state left subscribed by each earlier one would read the page again too.
  for (let i = 0; i < 3; i++) {
    await page.getByRole('button', { name: 'Library', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'Uploads', exact: true }).click();
    await expect(list.getByRole('article').first()).toBeVisible();
  }
  const { items } = (await command('uploads:list', { offset: 100, limit: 2 })) as {
    items: Array<{ id: string }>;
  };
  const before = reads;
  // Each removal re-reads the window, once. A reader left behind reads on the same timer as the
  // live one, so its reads of the first removal are sent before the page even hears of the second.
  await command('uploads:remove', { id: items[0]!.id });
  await expect.poll(() => reads).toBeGreaterThan(before);
  await command('uploads:remove', { id: items[1]!.id });
  await expect.poll(() => reads).toBeGreaterThanOrEqual(before + 2);
  expect(reads).toBe(before + 2);
});
