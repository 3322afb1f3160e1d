/**
 * Working against a TwelveLabs API the test controls (the emulator, with its fault injection):
 * a refused key, URL uploads, the 409 second dialog, going offline and back, a watched folder,
 * and a 429 storm — all through real Chromium and serve mode.
 */
import { expect, test, type Page } from '@playwright/test';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl, referenceFromIndex } from '../helpers/emulator-control.ts';
import { mp4, wav, writeFixture } from '../helpers/media.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { startServeProcess } from './serve-harness.ts';

const KEY = 'tlk_e2e_valid_key_000';
let emulator: RunningEmulator;
let control: EmulatorControl;
let server: Awaited<ReturnType<typeof startServeProcess>>;
let files: Awaited<ReturnType<typeof serveFolder>>;
let dir: string;
let cleanup: () => Promise<void>;
let emulatorDir: string;

test.beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('tl-e2e-account-'));
  emulatorDir = join(dir, 'emulator');
  emulator = await startEmulator({ apiKey: KEY, processingMs: 200, dataDir: emulatorDir });
  control = new EmulatorControl(emulator.origin);
  await mkdir(join(dir, 'public'), { recursive: true });
  await writeFixture(join(dir, 'public', 'remote.wav'), wav(1.5, 8000, 500));
  files = await serveFolder(join(dir, 'public'));
  server = await startServeProcess(join(dir, 'data'), { TWELVELABS_BASE_URL: emulator.url });
});
test.afterAll(async () => {
  await server.stop();
  await files.close();
  await emulator.close().catch(() => undefined);
  await cleanup();
});

async function enterKey(page: Page, key: string) {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Save and continue' }).click();
}

test('key, URL upload, 409, offline, watched folder, 429 storm', async ({ page }) => {
  await page.goto(server.url);
  await enterKey(page, 'tlk_wrong_key_12345');
  await expect(page.getByRole('alert')).toContainText('TwelveLabs refused this key');
  await page.screenshot({ path: 'test-results/screens/welcome-key-refused-light.png' });
  await enterKey(page, KEY);
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Test key' }).click();
  await expect(page.getByText('The key works.')).toBeVisible();
  // A refused key stays in the field to be corrected, not typed again.
  const keyField = page.getByLabel(/^API key/);
  await keyField.fill('tlk_wrong_key_67890');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('TwelveLabs refused this key')).toBeVisible();
  await expect(keyField).toHaveValue('tlk_wrong_key_67890');
  await keyField.fill(KEY);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('The key works.')).toBeVisible();
  await expect(keyField).toHaveValue('');

  // A URL, pasted.
  await page.getByRole('button', { name: 'Uploads' }).click();
  await page.getByRole('button', { name: 'Add URLs' }).click();
  await page.getByLabel(/Public links to media files/).fill(`${files.origin}/remote.wav`);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const queue = page.getByRole('list', { name: 'Upload queue' });
  await expect(queue.getByRole('article', { name: 'remote.wav' }).getByText('Ready')).toBeVisible();

  // 409: an index references the asset.
  const list = (await (await fetch(`${emulator.url}/assets`, { headers: { 'x-api-key': KEY } })).json()) as {
    data: Array<{ _id: string }>;
  };
  const assetId = list.data[0]!._id;
  await referenceFromIndex(emulator.url, KEY, assetId);
  await page.getByRole('button', { name: 'Library', exact: true }).click();
  const assets = page.getByRole('list', { name: 'Assets' });
  await assets.getByRole('button', { name: 'remote.wav' }).click();
  await page.getByRole('dialog', { name: 'remote.wav' }).getByRole('button', { name: 'Delete…' }).click();
  await page
    .getByRole('dialog', { name: 'Delete this asset?' })
    .getByRole('button', { name: 'Delete', exact: true })
    .click();
  const second = page.getByRole('dialog', { name: /Indexed assets use this asset/ });
  await expect(second).toContainText('1 indexed asset references this asset');
  await page.screenshot({ path: 'test-results/screens/delete-blocked-light.png' });
  await second.getByRole('button', { name: 'Delete anyway' }).click();
  await expect(assets.getByRole('button', { name: 'remote.wav' })).toHaveCount(0);

  // Offline: the library stays browsable, a delete waits, and happens when the platform is back.
  await control.seed({ count: 2, kind: 'video', filenamePrefix: 'offline' });
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(assets.getByRole('button', { name: 'offline-00001.mp4' })).toBeVisible();
  const port = emulator.port;
  await emulator.close();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Offline' })).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/library-offline-light.png' });
  await assets.getByRole('checkbox', { name: 'Select offline-00001.mp4' }).check();
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page
    .getByRole('dialog', { name: 'Delete this asset?' })
    .getByRole('button', { name: 'Delete', exact: true })
    .click();
  await expect(assets.getByText('deleting')).toBeVisible();
  emulator = await startEmulator({ apiKey: KEY, processingMs: 200, dataDir: emulatorDir, port });
  control = new EmulatorControl(emulator.origin);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(assets.getByRole('button', { name: 'offline-00001.mp4' })).toHaveCount(0);
  await expect(assets.getByRole('button', { name: 'offline-00002.mp4' })).toBeVisible();

  // A watched folder: a file copied in appears in the queue and becomes ready.
  // Before it is added, the form says what it would upload at once.
  const watched = join(dir, 'watched');
  await mkdir(watched);
  await writeFixture(join(watched, 'already-there.wav'), wav(0.5));
  await writeFixture(join(watched, 'notes.txt'), Buffer.from('not media'));
  await page.getByRole('button', { name: 'Watched folders' }).click();
  await page.getByLabel('Folder').fill(join(dir, 'no-such-folder'));
  await expect(page.getByRole('status').filter({ hasText: 'does not exist' })).toBeVisible();
  await page.getByLabel('Folder').fill(watched);
  const preview = page.getByRole('status').filter({ hasText: 'Adding it uploads' });
  await expect(preview).toContainText(/Adding it uploads 1 file \(\d+(\.\d+)? kB\) now: 1 audio\./);
  await expect(preview).toContainText('1 other file is skipped');
  await page.getByLabel('Files already there').selectOption('skip');
  await expect(page.getByRole('status').filter({ hasText: 'The 1 file already there' })).toContainText(
    'is left alone; only new ones are uploaded',
  );
  await page.getByRole('button', { name: 'Watch folder' }).click();
  await expect(page.getByRole('article', { name: watched })).toContainText('Watching');
  await writeFixture(join(dir, 'camera.mp4'), mp4({ seed: 77, payloadBytes: 100_000 }));
  await copyFile(join(dir, 'camera.mp4'), join(watched, 'camera.mp4'));
  await expect(page.getByRole('article', { name: watched })).toContainText('1 in your library', {
    timeout: 30_000,
  });
  await page.screenshot({ path: 'test-results/screens/folders-watching-light.png' });

  // A 429 storm: items show rate-limited, then finish.
  await control.addFaults({
    kind: 'status',
    route: 'assets.create',
    status: 429,
    count: 12,
    headers: { 'Retry-After': '2' },
  });
  await page.getByRole('button', { name: 'Uploads' }).click();
  await page.getByRole('button', { name: 'Add URLs' }).click();
  await page
    .getByLabel(/Public links to media files/)
    .fill(`${files.origin}/remote.wav?a\n${files.origin}/remote.wav?b`);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(queue.getByText(/Rate-limited by TwelveLabs, retrying at/).first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/uploads-rate-limited-light.png' });
  await expect(queue.getByRole('article').filter({ hasText: 'Ready' })).toHaveCount(4, { timeout: 60_000 });
});
