/**
 * The desktop app itself, in a real Electron: launch the built app on its own data folder with
 * the Sandbox, drop a real file on the window, and wait until the platform has it (ready). It runs
 * where an Electron binary exists; this build machine cannot download one, so here it is skipped
 * with the reason printed (the main process is tested under a stand-in: desktop-main.test.ts).
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installedElectronBinary } from '../../scripts/electron-binary.mjs';
import { writeMp4File } from '../helpers/media.ts';

const binary = installedElectronBinary();
const builtMain = 'out/main/main.js'; // npm run build:desktop
const reason = !binary
  ? 'no Electron binary is installed (it cannot be downloaded on this machine)'
  : !existsSync(builtMain)
    ? `the desktop bundle (${builtMain}) has not been built: run npm run build:desktop`
    : undefined;

test('the desktop app starts, takes a dropped file and shows it ready', async () => {
  if (reason) console.log(`electron smoke test skipped: ${reason}`);
  test.skip(reason !== undefined, reason);
  const dir = await mkdtemp(join(tmpdir(), 'tl-electron-smoke-'));
  const file = await writeMp4File(join(dir, 'dropped.mp4'), 200_000, 11);
  const app = await electron.launch({
    executablePath: binary!,
    args: [builtMain],
    env: { ...process.env, TL_UPLOADER_SANDBOX: '1', TL_UPLOADER_DATA_DIR: join(dir, 'data') },
  });
  try {
    const window = await app.firstWindow();
    await expect(window.getByText('Drop files or folders anywhere in this window')).toBeVisible();

    // A real, path-backed File (from a file input, as the OS gives one) dropped on the window.
    await window.evaluate(() => {
      const input = Object.assign(document.createElement('input'), { type: 'file', id: 'smoke-source' });
      input.style.display = 'none';
      document.body.append(input);
    });
    await window.setInputFiles('#smoke-source', file);
    await window.evaluate(() => {
      const input = document.getElementById('smoke-source') as HTMLInputElement;
      const data = new DataTransfer();
      for (const f of input.files ?? []) data.items.add(f);
      input.remove();
      for (const type of ['dragenter', 'dragover', 'drop'])
        document.body.dispatchEvent(
          new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }),
        );
    });
    await expect(window.getByRole('article', { name: 'dropped.mp4' })).toBeVisible();

    // Ready: asked through the preload's contract door, as the page itself asks.
    await expect
      .poll(
        () =>
          window.evaluate(async () => {
            const api = (
              window as unknown as { tlUploader: { invoke: (n: string, p: unknown) => Promise<unknown> } }
            ).tlUploader;
            const result = (await api.invoke('uploads:list', {})) as {
              value?: { items: Array<{ state: string }> };
            };
            return result.value?.items[0]?.state;
          }),
        { timeout: 60_000 },
      )
      .toBe('ready');
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});
