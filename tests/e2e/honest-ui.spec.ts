/**
 * Issue 16, as a person meets it, in real Chromium against serve mode and an emulator the test
 * controls: readable buttons on hover, Add URLs that keeps what was typed, speed only while bytes
 * move, one of Pause/Resume, a deleted asset's file uploads again, duplicates "in your library"
 * with "Upload anyway" for a browser-added file, a long error read whole, notices that coalesce,
 * the Library at 800×600, the keyboard (no invisible Tab stop, tabs and menus by the ARIA
 * patterns), offline said in every view; every view photographed at 800×600, light and dark.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { mp4, wav, writeFixture } from '../helpers/media.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { dropFiles, noSeriousA11yViolations } from './page-actions.ts';
import { startServeProcess } from './serve-harness.ts';

const KEY = 'tlk_e2e_honest_key_01';
let emulator: RunningEmulator;
let server: Awaited<ReturnType<typeof startServeProcess>>;
let files: Awaited<ReturnType<typeof serveFolder>>;
let cleanup: () => Promise<void>;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-honest-');
  cleanup = tmp.cleanup;
  emulator = await startEmulator({ apiKey: KEY, processingMs: 200 });
  await mkdir(join(tmp.dir, 'public'), { recursive: true });
  await writeFixture(join(tmp.dir, 'public', 'my clip.wav'), wav(1, 8000, 520));
  files = await serveFolder(join(tmp.dir, 'public'));
  server = await startServeProcess(join(tmp.dir, 'data'), { TWELVELABS_BASE_URL: emulator.url });
});
test.afterAll(async () => {
  await server.stop();
  await files.close();
  await emulator.close().catch(() => undefined);
  await cleanup();
});

test.use({ viewport: { width: 800, height: 600 } });

async function photograph(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await noSeriousA11yViolations(page);
    await page.screenshot({ path: `test-results/screens/${name}-800x600-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function drop(page: Page, name: string, bytes: Buffer) {
  await dropFiles(page, [{ name, bytes }]);
}

/** WCAG contrast of an element's text on its own background, as drawn now (hover included). */
async function contrast(button: Locator): Promise<number> {
  return button.evaluate((el) => {
    const style = getComputedStyle(el);
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    // The hover darkens with a filter: apply it to both colours as the screen shows them.
    const k = Number(/brightness\(([\d.]+)\)/.exec(style.filter)?.[1] ?? 1);
    const shade = (c: number[]) => c.map((v) => Math.min(255, v * k));
    const [a, b] = [lum(shade(rgb(style.color))), lum(shade(rgb(style.backgroundColor)))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}

test('the interface tells the truth, at 800×600 and with the keyboard', async ({ page }) => {
  await page.goto(server.url);
  await photograph(page, 'welcome');
  await page.getByLabel('API key').fill(KEY);
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expect(page.getByText('Drop files or folders anywhere in this window')).toBeVisible();

  // Hovered primary and danger buttons keep their label readable, light and dark.
  const addFiles = page.getByRole('button', { name: 'Add files' });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await addFiles.hover();
    expect(await contrast(addFiles)).toBeGreaterThanOrEqual(4.5);
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // No invisible Tab stop: every stop from the first control on is something a person can see
  // (two hidden file inputs after "Add URLs" were).
  await page.getByRole('button', { name: 'Uploads' }).focus();
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const box = el.getBoundingClientRect();
      return {
        what: `${el.tagName} ${el.getAttribute('type') ?? ''} ${el.textContent?.trim() ?? ''}`,
        w: box.width,
        h: box.height,
      };
    });
    expect(stop.w > 4 && stop.h > 4, `Tab stop ${i + 1} is invisible: ${stop.what}`).toBe(true);
  }

  // Add URLs: a mistake is said inside the dialog and nothing typed is lost; a link with a space
  // is one link (lines split, spaces do not).
  await page.getByRole('button', { name: 'Add URLs' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add media by URL' });
  const box = dialog.getByLabel(/Public links to media files/);
  await box.fill(`not a link\n${files.origin}/my clip.wav`);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText('“not a link” is not a web address');
  await expect(box).toHaveValue(`not a link\n${files.origin}/my clip.wav`);
  await photograph(page, 'add-urls-invalid');
  await box.fill(`${files.origin}/my clip.wav`);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByText('1 URL added')).toBeVisible();
  const queue = page.getByRole('list', { name: 'Upload queue' });
  await expect(queue.getByRole('article')).toHaveCount(1);
  await expect(queue.getByRole('article').getByText('Ready')).toBeVisible();

  // Speed and time left only while bytes move; a paused item offers Resume, not Pause.
  // The app's own bandwidth limit keeps the bytes moving slowly and steadily.
  await page.getByRole('button', { name: 'Settings' }).click();
  const limit = page.getByLabel('Bandwidth limit, MB/s (0 = unlimited)');
  await limit.fill('0.2');
  await limit.blur();
  await page.getByRole('button', { name: 'Uploads' }).click();
  await expect(page.getByRole('button', { name: /^Limited to 200 kB\/s/ })).toBeVisible();
  const slow = mp4({ payloadBytes: 1_500_000, seed: 21, durationSeconds: 20 });
  await drop(page, 'slow.mp4', slow);
  const slowRow = queue.getByRole('article', { name: 'slow.mp4' });
  const totals = page.getByRole('region', { name: 'Queue totals' });
  await expect(slowRow.getByText('Uploading')).toBeVisible();
  await expect(totals).toContainText(/(?<!Limited to )\b\d+(\.\d+)? kB\/s/); // a speed, not the limit
  await expect(slowRow).toContainText(/kB\/s · \d+:\d\d left/);
  await expect(slowRow.getByRole('button', { name: 'Resume', exact: true })).toHaveCount(0);
  await page.getByRole('button', { name: 'Pause all', exact: true }).click();
  await expect(slowRow.getByText('Paused')).toBeVisible();
  await expect(slowRow.getByRole('button', { name: 'Resume', exact: true })).toBeVisible();
  await expect(slowRow.getByRole('button', { name: 'Pause', exact: true })).toHaveCount(0);
  // (The limit in force is still said: "Limited to 200 kB/s" is not a speed.)
  await expect(totals).not.toContainText(/(?<!Limited to )\b\d+(\.\d+)? [kMG]?B\/s|left/);
  await expect(slowRow).not.toContainText(/\/s|left/);
  // Below the multipart line a paused upload starts over: the row says so.
  await expect(slowRow).toContainText('Starts over when resumed');
  await photograph(page, 'uploads-paused');
  await page.getByRole('button', { name: /^Limited to/ }).click();
  await limit.fill('0');
  await limit.blur();
  await page.getByRole('button', { name: 'Uploads' }).click();
  await page.getByRole('button', { name: 'Resume all' }).click();
  await expect(slowRow.getByText('Ready')).toBeVisible();

  // A file whose asset was deleted uploads again (not "duplicate of" the deleted asset).
  const clip = mp4({ payloadBytes: 200_000, seed: 22, durationSeconds: 12 });
  await drop(page, 'clip.mp4', clip);
  await expect(queue.getByRole('article', { name: 'clip.mp4' }).getByText('Ready')).toBeVisible();
  await page.getByRole('button', { name: 'Library', exact: true }).click();
  const assets = page.getByRole('list', { name: 'Assets' });
  await assets.getByRole('button', { name: 'clip.mp4' }).click();
  await page.getByRole('dialog', { name: 'clip.mp4' }).getByRole('button', { name: 'Delete…' }).click();
  await page
    .getByRole('dialog', { name: 'Delete this asset?' })
    .getByRole('button', { name: 'Delete', exact: true })
    .click();
  await expect(assets.getByRole('button', { name: 'clip.mp4' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Uploads' }).click();
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await expect(queue.getByRole('article')).toHaveCount(0);
  await drop(page, 'clip.mp4', clip);
  const again = queue.getByRole('article', { name: 'clip.mp4' });
  await expect(again.getByText('Ready')).toBeVisible();

  // The same file once more: "In your library", done rather than a problem, with a link, and
  // "Upload anyway" works for a file that came through the browser.
  await drop(page, 'clip-copy.mp4', clip);
  const copy = queue.getByRole('article', { name: 'clip-copy.mp4' });
  await expect(copy.getByText('In your library', { exact: true })).toBeVisible();
  await expect(page.getByRole('tab', { name: /^Needs attention/ })).toContainText('0');
  await expect(copy.getByRole('button', { name: 'Open asset' })).toBeVisible();
  await photograph(page, 'uploads-duplicate');
  await copy.getByRole('button', { name: 'Upload anyway' }).click();
  await expect(copy.getByText('Ready')).toBeVisible();

  // A long error is read whole, in a dialog.
  const longName = `${'a-very-long-file-name-that-goes-on-'.repeat(4)}notes.log`;
  await drop(page, longName, Buffer.from('not media at all, just words'));
  const failed = queue.getByRole('article', { name: longName });
  await expect(failed.getByText('Failed')).toBeVisible();
  await failed.getByRole('button', { name: /is not a video, audio or image file/ }).click();
  const details = page.getByRole('dialog', { name: longName });
  await expect(details).toContainText(`${longName} is not a video, audio or image file TwelveLabs accepts`);
  await expect(details).toContainText('Trying again cannot help');
  await expect(details).toContainText('Added through the browser'); // not the staged copy's path
  await expect(details).not.toContainText('/staging/');
  await photograph(page, 'upload-details');
  await details.getByRole('button', { name: 'Close' }).click();
  await photograph(page, 'uploads');

  // Tabs: one Tab stop; arrows, Home and End move and select.
  const all = page.getByRole('tab', { name: /^All/ });
  await all.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: /^In progress/ })).toBeFocused();
  await expect(page.getByRole('tab', { name: /^In progress/ })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: 'History' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('list', { name: 'Upload history' })).toBeVisible();
  await photograph(page, 'history');
  await page.keyboard.press('Home');
  await expect(all).toBeFocused();
  await expect(all).toHaveAttribute('aria-selected', 'true');

  // The pause menu: a menu button (arrows open it and move, Escape closes it back to its button).
  const more = page.getByRole('button', { name: 'Pause all for a while' });
  await more.focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'For 1 hour' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'For 3 hours' })).toBeFocused();
  await page.keyboard.press('End');
  await expect(page.getByRole('menuitem', { name: 'Until tomorrow 09:00' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect(more).toBeFocused();

  // The Library at 800×600: names readable, columns named, and Grid remembered over a reload.
  await page.getByRole('button', { name: 'Library', exact: true }).click();
  const name = assets.getByRole('button', { name: 'slow.mp4' });
  await expect(name).toBeVisible();
  expect((await name.boundingBox())!.width).toBeGreaterThan(120);
  await expect(page.getByText('Name', { exact: true })).toBeVisible();
  await photograph(page, 'library');
  await page.getByRole('button', { name: 'Grid' }).click();
  await photograph(page, 'library-grid');
  await page.reload();
  await page.getByRole('button', { name: 'Library', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Grid' })).toHaveAttribute('aria-pressed', 'true');
  await assets.getByRole('button', { name: 'slow.mp4' }).click();
  await photograph(page, 'asset-detail');
  const remove = page.getByRole('dialog', { name: 'slow.mp4' }).getByRole('button', { name: 'Delete…' });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await remove.hover();
    expect(await contrast(remove)).toBeGreaterThanOrEqual(4.5); // the dark red was 2.77:1
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByRole('dialog', { name: 'slow.mp4' }).getByRole('button', { name: 'Close' }).click();

  // The same refused edit twice: one notice, counted.
  await page.getByRole('button', { name: 'Settings' }).click();
  await photograph(page, 'settings');
  const schedule = page.getByRole('group', { name: 'Bandwidth schedule' });
  await schedule.getByRole('button', { name: 'Add a window' }).click();
  const window1 = schedule.getByRole('listitem', { name: 'Window 1' });
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday'])
    await window1.getByRole('checkbox', { name: day }).uncheck();
  const friday = window1.getByRole('checkbox', { name: 'Friday' });
  for (let i = 0; i < 2; i++) {
    await friday.click();
    await expect(friday).toBeChecked(); // refused: the saved day comes back
  }
  const notice = page.getByRole('alert').filter({ hasText: 'pick at least one day' });
  await expect(notice).toHaveCount(1);
  await expect(notice).toContainText('×2');
  await expect(notice).toContainText(/^Window 1: pick at least one day/); // no "settings:update: bandwidthSchedule.0.days"

  await schedule.getByRole('button', { name: 'Remove window 1' }).click();

  // Offline is said in every view, not only in the Library.
  await emulator.close();
  const offline = page
    .getByRole('status')
    .filter({ hasText: /^Offline: .*Uploads wait and continue by themselves\.$/ });
  // An upload meets the lost network first: said at once, before the library's next sync.
  await page.getByRole('button', { name: 'Uploads' }).click();
  await drop(page, 'late.wav', wav(0.3, 8000, 610));
  await expect(
    queue.getByRole('article', { name: 'late.wav' }).getByText('Waiting', { exact: true }),
  ).toBeVisible();
  await expect(offline).toBeVisible();
  await expect(
    queue.getByRole('article', { name: 'late.wav' }).getByRole('button', { name: 'Pause', exact: true }),
  ).toBeVisible();
  await expect(
    queue.getByRole('article', { name: 'late.wav' }).getByRole('button', { name: 'Resume', exact: true }),
  ).toHaveCount(0);
  await page.getByRole('button', { name: 'Library', exact: true }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await page.getByRole('button', { name: 'Uploads' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: /^Offline: .*Uploads wait and continue by themselves\.$/ }),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Watched folders' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: /^Offline: .*Uploads wait and continue by themselves\.$/ }),
  ).toBeVisible();
  await photograph(page, 'folders-offline');
});
