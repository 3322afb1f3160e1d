/**
 * The Electron composition root: single instance, the core on the user's data folder, the window,
 * the contract over IPC, tray/progress/notifications, sleep handling. Everything with logic lives
 * in electron/core; this file only wires Electron's objects to it.
 */
import { app, dialog, shell } from 'electron';
import { join } from 'node:path';
import { UploaderCore } from '../core/uploader-core.ts';
import { registerContract } from './ipc.ts';
import { attachPower } from './power.ts';
import { SafeStorageSecretStore } from './safe-storage-secrets.ts';
import { attachStatusSurfaces } from './status-surfaces.ts';
import { createMainWindow, rendererEntry } from './window.ts';

const appRoot = join(import.meta.dirname, '..');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let core: UploaderCore | undefined;

  /** Files passed on the command line (a second launch, "Open with", a dock drop). */
  const enqueueArgs = async (argv: string[]) => {
    const paths = argv.slice(app.isPackaged ? 1 : 2).filter((a) => !a.startsWith('-'));
    if (core && paths.length > 0)
      await core.invoke('uploads:add', { inputs: paths.map((path) => ({ kind: 'file' as const, path })) });
  };

  app.whenReady().then(async () => {
    try {
      core = await UploaderCore.create({
        dataDir: app.getPath('userData'),
        secrets: new SafeStorageSecretStore(app.getPath('userData')),
        version: app.getVersion(),
        revealFile: (path) => shell.showItemInFolder(path),
        ...(process.env.TL_UPLOADER_SANDBOX === '1' && { overrides: { sandbox: true } }),
      });
      if (process.env.TL_UPLOADER_DEMO === '1') await core.seedDemo();
    } catch (error) {
      dialog.showErrorBox('TL Uploader cannot start', (error as Error).message);
      app.quit();
      return;
    }
    const window = createMainWindow(join(appRoot, 'preload', 'preload.cjs'), rendererEntry(appRoot));
    const disposers = [
      registerContract(core, window, 'file://'),
      attachStatusSurfaces(core, window, join(appRoot, 'build', 'tray.png')),
      attachPower(core, { preventSleepWhileUploading: true }),
    ];
    app.on('second-instance', (_event, argv) => {
      if (window.isMinimized()) window.restore();
      window.focus();
      void enqueueArgs(argv);
    });
    app.on('before-quit', () => disposers.forEach((d) => d()));
    await enqueueArgs(process.argv);
  });

  app.on('window-all-closed', async () => {
    await core?.close();
    app.quit();
  });
}
