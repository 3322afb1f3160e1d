/**
 * The desktop app itself: launch the built Electron app against the emulator, drop a file, wait
 * for it to be ready. It runs where an Electron binary exists; the build machines cannot download
 * one, so there it is skipped with the reason printed.
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { installedElectronBinary } from '../../scripts/electron-binary.mjs';

const binary = installedElectronBinary();
const builtMain = 'out/main/main.js'; // npm run build:desktop
const reason = !binary
  ? 'no Electron binary is installed (it cannot be downloaded on this machine)'
  : !existsSync(builtMain)
    ? `the desktop bundle (${builtMain}) has not been built`
    : undefined;

test('the desktop app starts, takes a dropped file and shows it ready', async () => {
  if (reason) console.log(`electron smoke test skipped: ${reason}`);
  test.skip(reason !== undefined, reason);
  const app = await electron.launch({
    executablePath: binary!,
    args: [builtMain],
    env: { ...process.env, TL_UPLOADER_SANDBOX: '1' },
  });
  const window = await app.firstWindow();
  await expect(window.getByText('Drop files or folders anywhere in this window')).toBeVisible();
  await window.getByRole('button', { name: 'Add URLs' }).click();
  await window.getByLabel(/Public links to media files/).fill('https://example.com/a.mp4');
  await window.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(window.getByRole('article', { name: 'a.mp4' })).toBeVisible();
  await app.close();
});
