/**
 * The Electron composition root: one instance per data folder, the window at once and the core
 * on the shared data folder behind it, the contract over IPC, tray/progress/notifications, sleep,
 * the system proxy, the log file, and one ordered shutdown. Decisions live in pure modules
 * (app-policy, tray-state, trusted-sender, app-url, menu-template, system-proxy); this file only
 * wires Electron's objects to them.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { app, dialog, Menu, Notification, powerMonitor, session, shell, type BrowserWindow } from 'electron';
import { defaultDataDir } from '../core/data-dir.ts';
import { DEFAULT_BASE_URL } from '../core/api/client.ts';
import { startEmulator } from '../../emulator/index.ts';
import { APP_VERSION } from '../shared/app-version.ts';
import { createFileLogger } from '../core/log/file-logger.ts';
import { UploaderCore } from '../core/uploader-core.ts';
import { closeAction, filesFromArgv } from './app-policy.ts';
import { registerAppScheme, serveAppProtocol } from './app-protocol.ts';
import { APP_ENTRY_URL } from './app-url.ts';
import { installCrashHandlers } from './crash-handlers.ts';
import { forwardEvents, registerCommands } from './ipc.ts';
import { menuTemplate } from './menu-template.ts';
import { attachPower } from './power.ts';
import { installQuitFlow } from './quit-flow.ts';
import { SafeStorageSecretStore } from './safe-storage-secrets.ts';
import { Scope } from './scope.ts';
import { attachStatusSurfaces, type StatusSurfaces } from './status-surfaces.ts';
import { proxyEnvironment } from './system-proxy.ts';
import { createMainWindow, hardenSession } from './window.ts';

/** electron-builder.yml appId: Windows groups the taskbar and shows toasts under it. */
const APP_ID = 'io.tluploader.app';
const bundleDir = import.meta.dirname; // out/main (inside the asar when packaged)
const outDir = join(bundleDir, '..');

// One data folder for the app and the CLI (`tl-uploader resume` sees the app's queue), named
// before anything reads a path; the app's name and version are ours, not "Electron"'s.
const dataDir = defaultDataDir();
app.setName('TL Uploader');
app.setPath('userData', dataDir);
// Chromium's own storage (caches, local storage) in a folder of its own, apart from our documents.
app.setPath('sessionData', join(dataDir, 'chromium'));
// Every renderer sandboxed, whatever a future window's options say.
app.enableSandbox();
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
if (process.platform === 'darwin')
  app.setAboutPanelOptions({ applicationName: 'TL Uploader', applicationVersion: APP_VERSION });
registerAppScheme();

const logger = createFileLogger({
  dataDir,
  consoleLevel: app.isPackaged ? false : 'warn',
  // Read as each line is written: every key this process has held is cut out of the log.
  secrets: () => secretStore.knownSecrets(),
});
const secretStore = new SafeStorageSecretStore(dataDir, logger);
installCrashHandlers(logger);

if (!app.requestSingleInstanceLock()) {
  logger.info('Another TL Uploader is running: its window takes this launch’s files.');
  app.quit();
} else {
  start();
}

function start(): void {
  logger.info(`TL Uploader ${APP_VERSION} starting`, { dataDir, electron: process.versions.electron });
  const appScope = new Scope('app', (message, error) => logger.error(message, { error }));
  let core: UploaderCore | undefined;
  let coreFailed = false;
  let mainWindow: BrowserWindow | undefined;
  let surfaces: StatusSurfaces | undefined;
  const coreReady = deferred<UploaderCore>();

  /** Files from a second launch, "Open with", a dock drop: added as files or as folders. */
  const addPaths = (paths: string[], origin: string) => {
    if (paths.length === 0) return;
    logger.info(`Adding ${paths.length} item(s) from ${origin}`);
    void coreReady.promise
      .then((c) =>
        c.invoke('uploads:add', { inputs: paths.map((path) => ({ kind: 'file' as const, path })) }),
      )
      .catch((error: unknown) => logger.error(`Could not add the items from ${origin}`, { error }));
  };

  const quitFlow = installQuitFlow({
    appScope,
    closeCore: async () => {
      // A core that failed to start was logged there, and has nothing to close.
      if (!core && !coreFailed) await coreReady.promise.catch(() => undefined);
      await core?.close();
    },
    totals: () => core?.queue.totals(),
    ask: async ({ message, detail }) => {
      const options = {
        type: 'question' as const,
        buttons: ['Quit', 'Keep uploading'],
        defaultId: 1,
        cancelId: 1,
        message,
        detail,
      };
      const window = mainWindow && !mainWindow.isDestroyed() ? mainWindow : undefined;
      const { response } = window
        ? await dialog.showMessageBox(window, options)
        : await dialog.showMessageBox(options);
      return response === 0;
    },
    logger,
  });

  const hideNoticeMarker = join(dataDir, '.hide-to-tray-noticed');
  const noticeHiddenOnce = () => {
    if (existsSync(hideNoticeMarker) || !Notification.isSupported()) return;
    new Notification({
      title: 'TL Uploader keeps uploading',
      body: 'The window is closed, the uploads go on. Open it again from the tray icon (or by starting TL Uploader again); quit from the tray.',
    }).show();
    writeFile(hideNoticeMarker, '').catch((error: unknown) =>
      logger.warn('Could not note the tray notice', { error }),
    );
  };

  const showWindow = () => {
    if (!app.isReady()) return;
    if (mainWindow && !mainWindow.isDestroyed()) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.show();
      mainWindow.focus();
      return;
    }
    const window = createMainWindow({
      preloadPath: join(outDir, 'preload', 'preload.cjs'),
      iconPath: join(bundleDir, 'icon.png'),
      logger,
    });
    mainWindow = window;
    // Everything bound to this window goes with its `closed` event: nothing is sent to it after.
    const windowScope = new Scope('window', (message, error) => logger.error(message, { error }));
    void coreReady.promise.then(
      (c) => {
        if (!window.isDestroyed()) windowScope.add('events', forwardEvents(c, window));
      },
      () => undefined, // a core that failed to start is logged and shown where it fails
    );
    if (surfaces) windowScope.add('progress', surfaces.bindWindow(window));
    window.on('close', (event) => {
      const action = closeAction({
        quitting: quitFlow.quitting,
        hasTray: surfaces?.hasTray ?? false,
        totals: core?.queue.totals(),
      });
      if (action === 'close') return;
      event.preventDefault();
      if (action === 'quit') return app.quit(); // asks first; closes the window if the person agrees
      window.hide();
      noticeHiddenOnce();
    });
    window.on('session-end', () => quitFlow.forceQuit('the Windows session ends'));
    window.once('closed', () => {
      if (mainWindow === window) mainWindow = undefined;
      void windowScope.close();
    });
  };

  /** The system picker, over our window when there is one (the core adds what it returns). */
  const choosePaths = async (kind: 'files' | 'folder') => {
    const window = mainWindow && !mainWindow.isDestroyed() ? mainWindow : undefined;
    const properties: Array<'openFile' | 'openDirectory' | 'multiSelections'> =
      kind === 'folder' ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'];
    const result = window
      ? await dialog.showOpenDialog(window, { properties })
      : await dialog.showOpenDialog({ properties });
    return result.canceled ? [] : result.filePaths;
  };
  const chooseAndAdd = (kind: 'files' | 'folder') =>
    void coreReady.promise
      .then((c) => c.invoke('app:choose-and-add', { kind }))
      .then((result) => {
        if (result.rejected.length > 0)
          logger.info(`${result.rejected.length} chosen item(s) were not added`);
      })
      .catch((error: unknown) => logger.error(`Adding ${kind} from the menu failed`, { error }));

  app.on('open-file', (event, path) => {
    event.preventDefault(); // macOS: we take the file (a dock drop, "Open with")
    addPaths([path], 'Open with');
    showWindow();
  });
  app.on('second-instance', (_event, argv, workingDirectory) => {
    showWindow();
    addPaths(filesFromArgv(argv, { packaged: app.isPackaged, cwd: workingDirectory }), 'a second launch');
  });
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock with no window; elsewhere the last window closing quits.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', showWindow);

  void app
    .whenReady()
    .then(async () => {
      // Linux and macOS pass an event (not in Electron's types): preventing it holds the system's
      // shutdown until the queue is saved.
      powerMonitor.on('shutdown', (...args: unknown[]) => {
        (args[0] as { preventDefault?: () => void } | undefined)?.preventDefault?.();
        quitFlow.forceQuit('the system shuts down');
      });
      hardenSession(logger);
      appScope.add(
        'app protocol',
        serveAppProtocol(
          join(outDir, 'renderer'),
          (id) => core?.library.detail(id)?.asset.thumbnailPath,
          logger,
          () => core?.apiBaseUrl,
        ),
      );
      appScope.add(
        'commands',
        registerCommands({
          core: () => coreReady.promise,
          window: () => mainWindow,
          appEntryUrl: APP_ENTRY_URL,
          logger,
        }),
      );
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          menuTemplate({
            platform: process.platform,
            packaged: app.isPackaged,
            addFiles: () => chooseAndAdd('files'),
            addFolder: () => chooseAndAdd('folder'),
            openLogFolder: () => void shell.openPath(join(dataDir, 'logs')),
            openHelp: () => void shell.openExternal('https://docs.twelvelabs.io/'),
          }),
        ),
      );
      const proxy = proxyEnvironment(
        await session.defaultSession.resolveProxy(DEFAULT_BASE_URL),
        process.env,
      );
      Object.assign(process.env, proxy.set);
      if (proxy.note) logger.info(proxy.note);
      showWindow();

      try {
        core = await UploaderCore.create({
          dataDir,
          secrets: secretStore,
          logger,
          version: APP_VERSION,
          revealFile: (path) => shell.showItemInFolder(path),
          choosePaths,
          startSandbox: startEmulator,
          ...(process.env.TL_UPLOADER_SANDBOX === '1' && { overrides: { sandbox: true } }),
        });
        if (process.env.TL_UPLOADER_DEMO === '1') await core.seedDemo();
      } catch (error) {
        coreFailed = true;
        coreReady.reject(error);
        logger.error('The core could not start', { error });
        dialog.showErrorBox('TL Uploader cannot start', (error as Error).message);
        app.quit();
        return;
      }
      const ready = core;
      surfaces = attachStatusSurfaces(ready, {
        imagesDir: join(bundleDir, 'tray'),
        showWindow,
        quit: () => app.quit(),
        logger,
      });
      appScope.add('status surfaces', () => surfaces?.close());
      if (mainWindow) {
        const unbind = surfaces.bindWindow(mainWindow);
        mainWindow.once('closed', unbind);
      }
      appScope.add('power', attachPower(ready, logger));
      coreReady.resolve(ready);
      logger.info('Ready');
      addPaths(
        filesFromArgv(process.argv, { packaged: app.isPackaged, cwd: process.cwd() }),
        'the command line',
      );
    })
    .catch((error: unknown) => {
      logger.error('Starting failed', { error });
      app.quit();
    });
}

/** A promise settled from outside (Promise.withResolvers needs Node 22; tests run main on 20). */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // a failure is shown and logged where it happens
  return { promise, resolve, reject };
}
