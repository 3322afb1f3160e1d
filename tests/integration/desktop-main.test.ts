/**
 * The real built main process (vite.desktop.config.ts → main.js) run in a Node child process
 * against the stand-in `electron` module (tests/helpers/electron-stand-in), on a real data folder,
 * uploading real files to the core's Sandbox over real HTTP. What the stand-in reports is what
 * Electron would have been asked to do; it throws where Electron throws (destroyed objects) and
 * replays app.quit()'s event order, so these tests fail where the app would fail.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { startEmulator } from '../../emulator/index.ts';
import { DESKTOP_POLICY } from '../../electron/main/app-url.ts';
import { baseUrlHost } from '../../electron/shared/base-url.ts';
import type { QueueItemView, QueueTotals } from '../../electron/shared/queue-types.ts';
import { StandInApp } from '../helpers/electron-stand-in/driver.ts';
import {
  NO_PROXY_ENV,
  quit,
  quitOrder,
  startConnectProxy,
  startSlowUpload,
  untilItem,
  useDesktopApp,
} from '../helpers/desktop-app.ts';
import { writeMp4File } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const { launch, bundleDir } = useDesktopApp();

describe('the desktop main process under the stand-in Electron', () => {
  it('serves the page over app:// with the CSP, refuses strangers, and quits from the tray in order', async () => {
    const { app, dataDir } = await launch();
    const created = app.of('window-created')[0]!;
    expect(created).toMatchObject({
      show: true,
      webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false },
    });
    expect(app.of('page-loaded')[0]).toMatchObject({
      url: 'app://tl-uploader/index.html',
      status: 200,
      csp: DESKTOP_POLICY,
    });
    expect(JSON.stringify(app.of('privileged-schemes'))).toContain('"scheme":"app"');
    expect(app.of('enable-sandbox')).toHaveLength(1);

    // Our window's main frame at our page is served; anything else is refused, and logged.
    expect((await app.invoke('settings:get')).ok).toBe(true);
    for (const from of ['foreign', 'subframe'] as const)
      expect((await app.invoke('settings:get', {}, from)).error?.code, from).toBe('not-allowed');
    const evil = await app.invoke('settings:get', {}, 'other-url', 'https://evil.example/index.html');
    expect(evil.error?.code).toBe('not-allowed');

    // app:// serves the renderer folder only; permissions only for the clipboard, only for us.
    expect(
      (await app.control<{ status: number }>('fetch', { url: 'app://tl-uploader/../../etc/passwd' })).status,
    ).toBe(404);
    expect(
      (await app.control<{ status: number }>('fetch', { url: 'app://tl-uploader/thumbnail/none' })).status,
    ).toBe(404);
    expect(
      await app.control('permission', {
        permission: 'clipboard-sanitized-write',
        url: 'app://tl-uploader/index.html',
      }),
    ).toBe(true);
    expect(
      await app.control('permission', {
        permission: 'clipboard-sanitized-write',
        url: 'https://evil.example/',
      }),
    ).toBe(false);
    expect(
      await app.control('permission', { permission: 'media', url: 'app://tl-uploader/index.html' }),
    ).toBe(false);

    // The tray shows a real image; the core holds the data folder.
    const trayImage = app.of('tray-image').at(-1)!;
    expect(trayImage.empty).toBe(false);
    expect(trayImage.path).toMatch(/tray-idle(Template)?\.png$/);
    expect(existsSync(join(dataDir, 'core.lock'))).toBe(true);

    await app.control('tray-click', { label: 'Quit TL Uploader' });
    expect(await app.exited).toBe(0);
    expect(quitOrder(app)).toEqual([
      'before-quit',
      'window-closed',
      'will-quit',
      'canceled at will-quit', // held until the core has closed
      'before-quit',
      'will-quit',
      'quit',
    ]);
    expect(existsSync(join(dataDir, 'core.lock'))).toBe(false);
    expect(app.of('destroyed-access')).toEqual([]);
    const log = await readFile(join(dataDir, 'logs', 'tl-uploader.log'), 'utf8');
    expect(log).toContain('IPC refused: settings:get not from the app window');
    expect(log).toContain('IPC refused: settings:get from a sub-frame');
    expect(log).toContain('Shut down cleanly');
    expect(log).toContain(`TL Uploader ${pkg.version} starting`); // ours, not Electron's version
  });

  it('hides to the tray while uploading, asks before quitting, and the queue survives the quit', async () => {
    const { app, dataDir } = await launch();
    const file = await startSlowUpload(app, dataDir);
    await app.until(
      async () => (await app.control<{ blockers: number }>('state')).blockers === 1,
      'sleep is blocked',
    );

    // Closing the window keeps uploading: hidden, not closed, with a notice.
    await app.control('close-window');
    await app.waitFor('window-hide');
    expect(app.of('window-closed')).toEqual([]);
    expect(
      (await app.waitFor('notification', (r) => String(r.title).includes('keeps uploading'))).body,
    ).toContain('tray');

    // Quit asks; "Keep uploading" keeps the app and the upload going.
    await app.control('answer', { kind: 'messageBox', value: 1 });
    await app.control('tray-click', { label: 'Quit TL Uploader' });
    const asked = await app.waitFor('dialog');
    expect(asked.message).toBe('Quit while 1 upload is in progress?');
    await app.waitFor('quit-canceled', (r) => r.at === 'before-quit');
    expect(app.running).toBe(true);

    // "Quit" then quits in order; the core closes and the lock goes.
    await app.control('answer', { kind: 'messageBox', value: 0 });
    await app.control('tray-click', { label: 'Quit TL Uploader' });
    expect(await app.exited).toBe(0);
    expect(existsSync(join(dataDir, 'core.lock'))).toBe(false);
    expect(app.of('destroyed-access')).toEqual([]);

    // Started again on the same folder, the upload is still there and finishes.
    const { app: again } = await launch(dataDir);
    const listed = await again.invoke<{ items: QueueItemView[] }>('uploads:list');
    expect(listed.value?.items.map((i) => i.source)).toEqual([{ kind: 'file', path: file }]);
    expect((await again.invoke('settings:update', { bandwidthBytesPerSecond: 0 })).ok).toBe(true);
    await again.until(async () => {
      const list = await again.invoke<{ items: QueueItemView[] }>('uploads:list');
      return ['processing', 'ready'].includes(list.value?.items[0]?.state ?? '');
    }, 'the upload finished');
    await quit(again);
  });

  it('without a tray, closing the window while uploading asks to quit instead of vanishing', async () => {
    const { app, dataDir } = await launch(undefined, { env: { STANDIN_NO_TRAY: '1' } });
    await startSlowUpload(app, dataDir);
    await app.control('answer', { kind: 'messageBox', value: 1 });
    await app.control('close-window');
    await app.waitFor('quit-canceled', (r) => r.at === 'before-quit');
    expect((await app.control<{ windows: unknown[] }>('state')).windows).toEqual([{ visible: true }]);

    // Agreeing closes the window while progress events still flow, then the core: nothing touches
    // the destroyed window.
    await app.control('answer', { kind: 'messageBox', value: 0 });
    await app.control('close-window');
    expect(await app.exited).toBe(0);
    expect(app.of('window-closed')).toHaveLength(1);
    expect(app.of('destroyed-access')).toEqual([]);
    expect(existsSync(join(dataDir, 'core.lock'))).toBe(false);
  });

  it('a second launch hands its files to the running app and leaves', async () => {
    const { app, dataDir } = await launch();
    const folder = join(dataDir, 'incoming');
    await mkdir(folder);
    await writeMp4File(join(folder, 'second.mp4'), 40_000, 3);
    // Launched from the folder with a relative path, as a file manager's "Open with" does.
    const second = new StandInApp(bundleDir(), { dataDir, args: ['second.mp4', '--some-switch'] });
    onTestFinished(() => second.kill());
    const secondCwd = await second.waitFor('single-instance');
    expect(secondCwd.primary).toBe(false);
    expect(await second.exited).toBe(0);
    // The stand-in resolves relative paths against the second process's folder: the data folder.
    const added = await untilItem(app, (i) => i.name === 'second.mp4', 'the file was added');
    expect(added.source).toEqual({ kind: 'file', path: join(dataDir, 'second.mp4') });
    await quit(app);
  });

  it('macOS "Open with", the native folder picker and the menu add what they name', async () => {
    const { app, dataDir } = await launch();
    const folder = join(dataDir, 'shoot');
    await mkdir(join(folder, '.hidden'), { recursive: true });
    await writeMp4File(join(folder, 'a.mp4'), 30_000, 1);
    await writeMp4File(join(folder, 'b.mp4'), 30_000, 2);
    await writeMp4File(join(folder, '.hidden', 'c.mp4'), 30_000, 4);
    const single = await writeMp4File(join(dataDir, 'opened.mp4'), 30_000, 5);

    await app.control('app-event', { event: 'open-file', args: [single] });
    const opened = await untilItem(app, (i) => i.name === 'opened.mp4', 'the opened file was added');
    expect(opened.source).toEqual({ kind: 'file', path: single });

    // The page's "Add folder": the system picker, then the folder added as a folder (the core
    // walks it; the hidden folder's file is not queued).
    await app.control('answer', { kind: 'openDialog', value: { canceled: false, filePaths: [folder] } });
    const chosen = await app.invoke<{ added: unknown[]; rejected: unknown[]; canceled: boolean }>(
      'app:choose-and-add',
      {
        kind: 'folder',
      },
    );
    expect(chosen.value).toMatchObject({ canceled: false, rejected: [] });
    expect(chosen.value?.added).toHaveLength(2);
    expect(app.of('open-dialog').at(-1)?.properties).toEqual(['openDirectory', 'multiSelections']);
    await app.control('answer', { kind: 'openDialog', value: { canceled: true, filePaths: [] } });
    expect((await app.invoke('app:choose-and-add', { kind: 'files' })).value).toEqual({
      added: [],
      rejected: [],
      canceled: true,
    });

    // The menu's "Add Files…" goes the same way.
    const fromMenu = await writeMp4File(join(dataDir, 'menu.mp4'), 30_000, 6);
    const mark = app.reports.length;
    await app.control('answer', { kind: 'openDialog', value: { canceled: false, filePaths: [fromMenu] } });
    await app.control('menu-click', { label: 'Add Files…' });
    expect((await app.waitFor('open-dialog', () => true, mark)).properties).toEqual([
      'openFile',
      'multiSelections',
    ]);
    await untilItem(app, (i) => i.name === 'menu.mp4', 'the menu’s file was added');
    const names = (await app.invoke<{ items: QueueItemView[] }>('uploads:list'))
      .value!.items.map((i) => i.name)
      .sort();
    expect(names).toEqual(['a.mp4', 'b.mp4', 'menu.mp4', 'opened.mp4']);
    await quit(app);
  });

  it('sleep stops the uploads and lets the machine sleep; waking resumes them', async () => {
    const { app, dataDir } = await launch();
    await startSlowUpload(app, dataDir);
    await app.until(
      async () => (await app.control<{ blockers: number }>('state')).blockers === 1,
      'sleep is blocked',
    );

    // Asleep: the transfer stops, the machine may sleep, and nothing is saved as paused.
    await app.control('power', { event: 'suspend' });
    await untilItem(app, (i) => i.state === 'queued', 'the transfer stopped');
    await app.until(
      async () => (await app.control<{ blockers: number }>('state')).blockers === 0,
      'sleep is allowed',
    );
    const whileAsleep = await app.invoke<{ totals: QueueTotals }>('uploads:list');
    expect(whileAsleep.value?.totals.paused).toBe(false);

    await app.control('power', { event: 'resume' });
    await untilItem(app, (i) => i.state === 'uploading', 'the upload runs again');
    await app.until(
      async () => (await app.control<{ blockers: number }>('state')).blockers === 1,
      'sleep is blocked again',
    );

    // A system shutdown quits without asking, holding the shutdown until the core has closed.
    expect(await app.control('power', { event: 'shutdown' })).toBe(true);
    expect(await app.exited).toBe(0);
    expect(app.of('dialog')).toEqual([]);
    expect(existsSync(join(dataDir, 'core.lock'))).toBe(false);
  });

  it('logs failures in main and reloads a crashed page, and keeps running', async () => {
    const { app, dataDir } = await launch();
    const logFile = join(dataDir, 'logs', 'tl-uploader.log');
    const logged = async (text: string) => (await readFile(logFile, 'utf8').catch(() => '')).includes(text);
    await app.control('fail-in-main');
    await app.until(
      async () => (await logged('Uncaught exception')) && (await logged('Unhandled promise rejection')),
      'logged',
    );
    expect(await readFile(logFile, 'utf8')).toContain('stand-in: uncaught in main');

    await app.control('renderer-gone');
    await app.waitFor('reload');
    expect(await logged('The window’s page stopped {"reason":"crashed","exitCode":139}')).toBe(true);
    expect((await app.invoke('settings:get')).ok).toBe(true);
    await quit(app);
  });

  it('on macOS the app outlives its window: uploads go on, a new window gets the events', async () => {
    const { app, dataDir } = await launch(undefined, { env: { STANDIN_PLATFORM: 'darwin' } });
    expect((await app.waitFor('tray-image')).path).toMatch(/tray-idleTemplate\.png$/);
    await startSlowUpload(app, dataDir);
    expect(app.of('about-panel')[0]?.options).toMatchObject({ applicationVersion: pkg.version });
    // Paused, nothing is at work: closing closes (no hiding), and the app stays (macOS).
    expect((await app.invoke('uploads:pause-all', {})).ok).toBe(true);
    await app.control('close-window');
    await app.waitFor('window-closed');
    expect(app.running).toBe(true);
    expect(app.of('quit-event')).toEqual([]);

    // Resumed from the tray with no window: events flow, and none is sent to the closed window.
    await app.waitFor('tray-menu', (r) => (r.labels as string[]).includes('Resume all uploads'));
    let mark = app.reports.length;
    await app.control('tray-click', { label: 'Resume all uploads' });
    await app.waitFor('tray-tooltip', (r) => String(r.text).includes('uploading'), mark);
    expect(app.reports.slice(mark).filter((r) => r.kind === 'sent')).toEqual([]);
    expect(app.of('destroyed-access')).toEqual([]);

    // Clicking the dock icon opens a new window, which gets the events from then on.
    mark = app.reports.length;
    await app.control('app-event', { event: 'activate' });
    await app.waitFor('page-loaded', () => true, mark);
    await app.waitFor('sent', () => true, mark);
    await quit(app);
    expect(app.of('destroyed-access')).toEqual([]);
  });

  it('the CLI finds the app’s queue in the same default data folder and uploads it', async () => {
    if (process.platform !== 'linux')
      return console.log('skipped: the default folder checked here is the Linux one');
    const temp = await makeTempDir('tl-shared-');
    onTestFinished(temp.cleanup);
    // No TL_UPLOADER_DATA_DIR: both find the platform's folder, here under XDG_DATA_HOME.
    const env = { TL_UPLOADER_DATA_DIR: '', XDG_DATA_HOME: temp.dir };
    const shared = join(temp.dir, 'tl-uploader');
    const file = await writeMp4File(join(temp.dir, 'left-by-the-app.mp4'), 40_000, 12);
    const { app } = await launch(temp.dir, { env });
    expect((await app.invoke('uploads:pause-all', {})).ok).toBe(true);
    expect((await app.invoke('uploads:add', { inputs: [{ kind: 'file', path: file }] })).ok).toBe(true);
    await app.control('quit');
    expect(await app.exited).toBe(0);
    expect(existsSync(join(shared, 'core.lock'))).toBe(false);

    const cli = spawn(process.execPath, ['bin/tl-uploader.mjs', 'resume', '--sandbox', '--json'], {
      env: { ...process.env, ...env, TWELVELABS_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    cli.stdout.on('data', (d: Buffer) => (out += d));
    cli.stderr.on('data', (d: Buffer) => (err += d));
    const code = await new Promise<number | null>((resolve) => cli.on('close', resolve));
    expect(code, err).toBe(0);
    expect(out).toContain('left-by-the-app.mp4');
    expect(out).toContain('"state": "ready"');
  });

  it('on Windows the app has its own identity for toasts and the taskbar, and colour tray images', async () => {
    const { app } = await launch(undefined, { env: { STANDIN_PLATFORM: 'win32' } });
    expect(app.of('app-user-model-id')).toEqual([expect.objectContaining({ id: 'io.tluploader.app' })]);
    expect((await app.waitFor('tray-image')).path).toMatch(/tray-idle\.png$/);
    await quit(app);
  });

  it('quits even when the core fails to close, and says so in the log', async () => {
    const { app, dataDir } = await launch();
    expect((await app.invoke('uploads:pause-all', {})).ok).toBe(true);
    const file = await writeMp4File(join(dataDir, 'unsaved.mp4'), 30_000, 13);
    expect((await app.invoke('uploads:add', { inputs: [{ kind: 'file', path: file }] })).ok).toBe(true);
    // The queue's files replaced by folders: the core's last save cannot land.
    for (const name of ['queue.json', 'queue.journal']) {
      await rm(join(dataDir, 'sandbox', name), { force: true });
      await mkdir(join(dataDir, 'sandbox', name));
    }
    // A change the core must still save as it closes.
    const listed = await app.invoke<{ items: QueueItemView[] }>('uploads:list');
    await app.invoke('uploads:remove', { id: listed.value!.items[0]!.id });
    await app.control('quit');
    expect(await app.exited).toBe(0);
    const log = await readFile(join(dataDir, 'logs', 'tl-uploader.log'), 'utf8');
    expect(log).toContain('shutdown: closing the core failed');
    expect(log).not.toContain('Shut down cleanly');
  });

  it('sends API requests through the system proxy, as Chromium resolves it', async () => {
    const KEY = 'tlk_proxyTestKey_24680';
    const emulator = await startEmulator({ processingMs: 50, apiKey: KEY });
    onTestFinished(() => emulator.close());
    const { port: apiPort } = new URL(emulator.url);
    // A proxy that records what it is asked for and tunnels it to the emulator.
    const { port: proxyPort, proxied } = await startConnectProxy(Number(apiPort));

    const { app, dataDir } = await launch(undefined, {
      env: {
        ...NO_PROXY_ENV,
        TL_UPLOADER_SANDBOX: '',
        TWELVELABS_API_KEY: KEY,
        STANDIN_SYSTEM_PROXY: `PROXY 127.0.0.1:${proxyPort}; DIRECT`,
      },
    });
    // The API at a loopback address that is not 127.0.0.1 (which is never proxied).
    const baseUrl = `http://127.0.0.2:${apiPort}/v1.3`;
    const switched = await app.invoke('settings:update', { baseUrl, confirmHost: baseUrlHost(baseUrl)! });
    expect(switched.ok, JSON.stringify(switched.error)).toBe(true);
    const tested = await app.invoke<{ valid?: boolean }>('settings:test-api-key');
    expect(tested.value?.valid, JSON.stringify(tested)).toBe(true);
    expect(proxied).toContain(`CONNECT 127.0.0.2:${apiPort}`);
    const log = await readFile(join(dataDir, 'logs', 'tl-uploader.log'), 'utf8');
    expect(log).toContain(`Using the system proxy http://127.0.0.1:${proxyPort}.`);
    await quit(app);
  });
});
