/**
 * A person's first minutes, in real Chromium against serve mode: no key yet → the Sandbox; drop
 * three files (one unsupported, rejected clearly) → progress → ready → in the Library → delete
 * with confirmation. Every view is checked with axe and photographed, light and dark.
 */
import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { mp4, wav } from '../helpers/media.ts';
import { dropFiles, noSeriousA11yViolations } from './page-actions.ts';
import { startServeProcess } from './serve-harness.ts';

let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-');
  cleanup = tmp.cleanup;
  server = await startServeProcess(join(tmp.dir, 'data'));
});
test.afterAll(async () => {
  await server.stop();
  await cleanup();
});

async function photograph(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `test-results/screens/${name}-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('first run → Sandbox → drop → ready → library → delete', async ({ page }) => {
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Welcome to TL Uploader' })).toBeVisible();
  await noSeriousA11yViolations(page);
  await photograph(page, 'welcome');
  await page.getByRole('button', { name: 'Try the Sandbox' }).click();

  await expect(page.getByText('Drop files or folders anywhere in this window')).toBeVisible();
  await noSeriousA11yViolations(page);
  await photograph(page, 'uploads-empty');

  await dropFiles(page, [
    { name: 'interview.mp4', bytes: mp4({ payloadBytes: 400_000, seed: 7, durationSeconds: 31 }) },
    { name: 'voice.wav', bytes: wav(2) },
    { name: 'notes.log', bytes: Buffer.from('just some notes, not media') },
  ]);
  const queue = page.getByRole('list', { name: 'Upload queue' });
  await expect(queue.getByRole('article', { name: 'interview.mp4' }).getByText('Ready')).toBeVisible();
  await expect(queue.getByRole('article', { name: 'voice.wav' }).getByText('Ready')).toBeVisible();
  const rejected = queue.getByRole('article', { name: 'notes.log' });
  await expect(rejected.getByText('Failed')).toBeVisible();
  await expect(rejected).toContainText('not a video, audio or image file');
  // Trying again cannot help a file that is not media: no Retry is offered for it.
  await expect(rejected.getByRole('button', { name: 'Remove' })).toBeVisible();
  await expect(rejected.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Retry all' })).toHaveCount(0);
  await noSeriousA11yViolations(page);
  await photograph(page, 'uploads');

  // Pause for an hour: the queue says until when, and "Resume all" ends it early.
  await page.getByLabel('Pause all for a while').click();
  await photograph(page, 'uploads-pause-menu');
  await page.getByRole('menuitem', { name: 'For 1 hour' }).click();
  await expect(page.getByText(/^Paused until /)).toBeVisible();
  await noSeriousA11yViolations(page);
  await page.getByRole('button', { name: 'Resume all' }).click();
  await expect(page.getByRole('button', { name: 'Pause all', exact: true })).toBeVisible();
  await expect(page.getByText(/^Paused until /)).toHaveCount(0);

  // "Open asset" from the queue goes to the asset's details in the Library.
  await queue.getByRole('article', { name: 'voice.wav' }).getByRole('button', { name: 'Open asset' }).click();
  await expect(page.getByRole('dialog', { name: 'voice.wav' })).toBeVisible();
  await page.getByRole('dialog', { name: 'voice.wav' }).getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Library', exact: true }).click();
  const assets = page.getByRole('list', { name: 'Assets' });
  await page.getByRole('button', { name: 'Grid' }).click();
  await expect(assets.getByRole('button', { name: 'interview.mp4' })).toBeVisible();
  await noSeriousA11yViolations(page);
  await photograph(page, 'library-grid');
  await page.getByRole('button', { name: 'List' }).click();
  await expect(assets.getByRole('button', { name: 'interview.mp4' })).toBeVisible();
  await expect(assets.getByRole('button', { name: 'voice.wav' })).toBeVisible();
  await noSeriousA11yViolations(page);
  await photograph(page, 'library');

  await assets.getByRole('button', { name: 'interview.mp4' }).click();
  const detail = page.getByRole('dialog', { name: 'interview.mp4' });
  await expect(detail.getByText('0:31')).toBeVisible();
  await expect(detail.getByText('Next steps with this asset')).toBeVisible();
  await noSeriousA11yViolations(page);
  await photograph(page, 'asset-detail');
  await detail.getByRole('button', { name: 'Delete…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this asset?' });
  await expect(confirm).toContainText('cannot be undone');
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(assets.getByRole('button', { name: 'interview.mp4' })).toHaveCount(0);
  await expect(assets.getByRole('button', { name: 'voice.wav' })).toBeVisible();

  // "Clear finished" moves what is in the library to the history, and only that: the failed
  // file stays until it is cleared on its own. The open History follows both, live.
  await page.getByRole('button', { name: 'Uploads' }).click();
  await page.getByRole('tab', { name: 'History' }).click();
  const history = page.getByRole('list', { name: 'Upload history' });
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await expect(history.getByText('voice.wav', { exact: true })).toBeVisible();
  await expect(history.getByText('notes.log', { exact: true })).toHaveCount(0);
  await page.getByRole('tab', { name: /^Needs attention/ }).click();
  await expect(queue.getByRole('article', { name: 'notes.log' })).toBeVisible();
  await page.getByRole('tab', { name: 'History' }).click();
  await page.getByRole('button', { name: 'Clear failed (1)' }).click();
  await expect(history.getByText('notes.log', { exact: true })).toBeVisible();
  await noSeriousA11yViolations(page);
  await photograph(page, 'history');

  await page.getByRole('button', { name: 'Watched folders' }).click();
  await expect(page.getByText('No watched folders')).toBeVisible();
  await noSeriousA11yViolations(page);
  await photograph(page, 'folders');
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
  await noSeriousA11yViolations(page);
  await photograph(page, 'settings');
  // On the Sandbox, "Test key" says what it tested: the Sandbox, with its own key.
  await page.getByRole('button', { name: 'Test key' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The Sandbox answers' })).toContainText(
    'the API key above is not used, nor tested',
  );

  // A bandwidth window: added with working-hours defaults, then opened to every day, all day.
  const schedule = page.getByRole('group', { name: 'Bandwidth schedule' });
  await expect(schedule.getByRole('status')).toHaveText('Now: unlimited');
  await schedule.getByRole('button', { name: 'Add a window' }).click();
  const window1 = schedule.getByRole('listitem', { name: 'Window 1' });
  await expect(window1.getByRole('checkbox', { name: 'Monday' })).toBeChecked();
  await expect(window1.getByRole('checkbox', { name: 'Sunday' })).not.toBeChecked();
  for (const day of ['Saturday', 'Sunday']) await window1.getByRole('checkbox', { name: day }).check();
  await window1.getByLabel('From').fill('00:00');
  await window1.getByLabel('To').fill('00:00');
  await window1.getByLabel('Limit in MB/s').fill('1.5');
  await window1.getByLabel('Limit in MB/s').blur();
  await expect(schedule.getByRole('status')).toHaveText('Now: 1.5 MB/s (window 1)');
  await noSeriousA11yViolations(page);
  await photograph(page, 'settings-schedule');
  // The Uploads view says why transfers are slower than the link.
  await page.getByRole('button', { name: 'Uploads' }).click();
  await page.getByRole('button', { name: /^Limited to 1\.5 MB\/s by the schedule$/ }).click();
  await expect(schedule).toBeVisible();
  // Unticking every day is refused with a reason, and the saved days come back.
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'])
    await window1.getByRole('checkbox', { name: day }).uncheck();
  await window1.getByRole('checkbox', { name: 'Sunday' }).uncheck();
  await expect(page.getByText('pick at least one day')).toBeVisible();
  await expect(window1.getByRole('checkbox', { name: 'Sunday' })).toBeChecked();
  await schedule.getByRole('button', { name: 'Remove window 1' }).click();
  await expect(schedule.getByRole('status')).toHaveText('Now: unlimited');
});
