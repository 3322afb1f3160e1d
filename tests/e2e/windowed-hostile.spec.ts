/**
 * Issue 18, the windowed Uploads list attacked in real Chromium against serve mode: items removed
 * above the rows in view while the list is scrolled (the rows read keep their place on the screen,
 * no row twice), and keyboard focus on a row whose element is recycled for another item when the
 * list scrolls on (focus never lands on another item's button).
 */
import { expect, test, type Locator } from '@playwright/test';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { serveCommand, startServeProcess } from './serve-harness.ts';

const KEY = 'tlk_e2e_window_hostile_01';
const COUNT = 600;
const ROW = 64; // Uploads.svelte's rowHeight
let emulator: RunningEmulator;
let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;

const nameOf = (i: number) => `take-${String(i).padStart(4, '0')}.mp4`;

/** One contract command over serve mode's WebSocket, as the page sends it. */
const command = (name: string, payload: unknown = {}) => serveCommand(server, name, payload);

/** The names of the rows in the DOM, in order. */
async function rowNames(list: Locator): Promise<string[]> {
  return list.getByRole('article').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? ''));
}

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-window-hostile-');
  cleanup = tmp.cleanup;
  emulator = await startEmulator({ apiKey: KEY, processingMs: 600_000 });
  server = await startServeProcess(join(tmp.dir, 'data'), {
    TWELVELABS_BASE_URL: emulator.url,
    TWELVELABS_API_KEY: KEY,
  });
  // Paused first: the items stay put, in the order added.
  await command('uploads:pause-all');
  await command('uploads:add', {
    inputs: Array.from({ length: COUNT }, (_, i) => ({
      kind: 'url',
      url: `https://media.invalid/${nameOf(i)}`,
    })),
  });
});
test.afterAll(async () => {
  await server.stop();
  await emulator.close().catch(() => undefined);
  await cleanup();
});

test('items removed above the rows in view: the rows read stay where they are, none twice', async ({
  page,
}) => {
  await page.goto(server.url);
  const list = page.getByRole('list', { name: 'Upload queue' });
  await expect(list.getByRole('article', { name: nameOf(0) })).toBeVisible();
  await list.evaluate((el, top) => (el.scrollTop = top), 300 * ROW);
  const anchor = list.getByRole('article', { name: nameOf(300) });
  await expect(anchor).toBeVisible();
  const before = (await anchor.boundingBox())!.y;

  const { items } = (await command('uploads:list', { offset: 100, limit: 10 })) as {
    items: Array<{ id: string }>;
  };
  for (const item of items) await command('uploads:remove', { id: item.id });
  await expect(page.getByRole('tab', { name: /^All/ })).toContainText(String(COUNT - 10));
  // The page re-reads its window after the removals: take-0300 is still where the eye left it.
  await expect.poll(async () => Math.round((await anchor.boundingBox())?.y ?? -1)).toBe(Math.round(before));
  const names = await rowNames(list);
  expect(new Set(names).size).toBe(names.length);
  expect(names).toContain(nameOf(300));
  expect(names).not.toContain(nameOf(105));
});

test('focus on a row whose element is recycled as the list scrolls never lands on another item', async ({
  page,
}) => {
  await page.goto(server.url);
  const list = page.getByRole('list', { name: 'Upload queue' });
  const first = list.getByRole('article', { name: nameOf(0) });
  await expect(first).toBeVisible();
  await first.getByRole('button', { name: 'Resume' }).focus();
  // Far enough that every row element is reused for rows further down.
  await list.evaluate((el) => (el.scrollTop = 200 * 64));
  // (The test before removed some items: the 200th is asked for by its place.)
  const { items: at200 } = (await command('uploads:list', { offset: 200, limit: 1 })) as {
    items: Array<{ name: string }>;
  };
  await expect(list.getByRole('article', { name: at200[0]!.name })).toBeVisible();
  const focusedRow = await page.evaluate(() =>
    document.activeElement?.closest('article')?.getAttribute('aria-label'),
  );
  expect(focusedRow ?? null).toBeNull();
  // Enter on whatever holds focus now resumes nothing.
  await page.keyboard.press('Enter');
  const { items } = (await command('uploads:list', { offset: 0, limit: 1000 })) as {
    items: Array<{ state: string }>;
  };
  expect(items.every((i) => i.state === 'paused')).toBe(true);
});
