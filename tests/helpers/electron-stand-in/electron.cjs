'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: one module
   instance must serve both our bundle's ESM import and electron-log's require('electron'). */
/**
 * A stand-in for the `electron` module in the main process, for tests that run the real built
 * out/main/main.js in a plain Node child process (no Electron binary can be installed here).
 * It behaves like Electron where our code depends on it:
 * - a destroyed BrowserWindow / WebContents / Tray throws "Object has been destroyed" on use
 *   (and reports the access, so a test sees it even when the app catches the error);
 * - app.quit() replays Electron's order: before-quit (preventable) → every window's close
 *   (preventable, cancels the quit) → will-quit (preventable) → quit → the process exits;
 *   closing the last window outside a quit emits window-all-closed (or quits when nobody listens);
 * - the single-instance lock is per userData folder, and a second instance's argv and working
 *   folder reach the first as `second-instance`;
 * - protocol.registerSchemesAsPrivileged throws after ready; ipcMain.handle throws on a second
 *   handler; senders carry a main frame with a URL.
 * The test drives it over the child's IPC channel (driver.ts) and reads what it reports.
 */
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const report = (kind, data = {}) => {
  if (process.connected) process.send({ type: 'report', kind, ...data });
};
const destroyed = (what, member) => {
  report('destroyed-access', { what, member: String(member) });
  return new TypeError('Object has been destroyed');
};
class ElectronEvent {
  constructor() {
    this.defaultPrevented = false;
  }
  preventDefault() {
    this.defaultPrevented = true;
  }
}
const EMITTER_METHODS = new Set([
  'on',
  'once',
  'off',
  'emit',
  'addListener',
  'removeListener',
  'removeAllListeners',
  'listenerCount',
  'listeners',
  'isDestroyed',
]);
/** After destroy, every method but the emitter's and isDestroyed throws, as in Electron. */
function guarded(target, what) {
  return new Proxy(target, {
    get(t, key, receiver) {
      const value = Reflect.get(t, key, receiver);
      if (
        t._destroyed &&
        typeof value === 'function' &&
        !EMITTER_METHODS.has(key) &&
        !String(key).startsWith('_')
      )
        return () => {
          throw destroyed(what, key);
        };
      return value;
    },
  });
}

// ---------------------------------------------------------------- app
const app = new EventEmitter();
const windows = new Set();
const paths = {
  home: os.homedir(),
  appData: path.join(os.homedir(), '.config'),
  userData: path.join(os.homedir(), '.config', 'Electron'),
  temp: os.tmpdir(),
  logs: path.join(os.homedir(), '.config', 'Electron', 'logs'),
};
let ready = false;
let quitting = false;
let name = 'Electron';
let resolveReady;
const readyPromise = new Promise((resolve) => (resolveReady = resolve));
let lockPath;

Object.assign(app, {
  isPackaged: false,
  isReady: () => ready,
  whenReady: () => readyPromise,
  getName: () => name,
  setName: (value) => void (name = value),
  getVersion: () => '45.5.0', // unpackaged Electron reports its own version
  getPath(key) {
    if (!(key in paths)) throw new Error(`Failed to get '${key}' path`);
    return paths[key];
  },
  setPath(key, value) {
    paths[key] = value;
  },
  setAppUserModelId: (id) => report('app-user-model-id', { id }),
  setAboutPanelOptions: (options) => report('about-panel', { options }),
  enableSandbox() {
    if (ready) throw new Error('app.enableSandbox() can only be called before app is ready');
    report('enable-sandbox');
  },
  requestSingleInstanceLock(additionalData) {
    const dir = paths.userData;
    fs.mkdirSync(dir, { recursive: true });
    lockPath = path.join(dir, 'SingletonLock');
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
    } catch {
      const holder = Number(fs.readFileSync(lockPath, 'utf8'));
      let alive = false;
      try {
        process.kill(holder, 0);
        alive = true;
      } catch {
        alive = false;
      }
      if (alive) {
        const inbox = path.join(dir, 'SingletonInbox');
        fs.mkdirSync(inbox, { recursive: true });
        const message = JSON.stringify({ argv: process.argv, cwd: process.cwd(), additionalData });
        fs.writeFileSync(path.join(inbox, `${process.pid}.json.tmp`), message);
        fs.renameSync(path.join(inbox, `${process.pid}.json.tmp`), path.join(inbox, `${process.pid}.json`));
        report('single-instance', { primary: false });
        lockPath = undefined;
        return false;
      }
      fs.writeFileSync(lockPath, String(process.pid));
    }
    const inbox = path.join(dir, 'SingletonInbox');
    fs.mkdirSync(inbox, { recursive: true });
    const deliver = () => {
      for (const file of fs.readdirSync(inbox).filter((f) => f.endsWith('.json'))) {
        const full = path.join(inbox, file);
        const message = JSON.parse(fs.readFileSync(full, 'utf8'));
        fs.rmSync(full);
        app.emit('second-instance', new ElectronEvent(), message.argv, message.cwd, message.additionalData);
      }
    };
    fs.watch(inbox, () => deliver()).unref();
    report('single-instance', { primary: true });
    return true;
  },
  quit() {
    report('quit-event', { name: 'before-quit' });
    const beforeQuit = new ElectronEvent();
    app.emit('before-quit', beforeQuit);
    if (beforeQuit.defaultPrevented) return report('quit-canceled', { at: 'before-quit' });
    quitting = true;
    for (const window of [...windows]) {
      window._requestClose();
      if (!window._destroyed) {
        quitting = false;
        return report('quit-canceled', { at: 'close' });
      }
    }
    report('quit-event', { name: 'will-quit' });
    const willQuit = new ElectronEvent();
    app.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) {
      quitting = false;
      return report('quit-canceled', { at: 'will-quit' });
    }
    report('quit-event', { name: 'quit' });
    app.emit('quit', new ElectronEvent(), 0);
    setImmediate(() => process.exit(0));
  },
  exit(code = 0) {
    report('exit', { code });
    process.exit(code);
  },
  dock:
    process.platform === 'darwin'
      ? { setBadge: (badge) => report('badge', { badge }), show: () => undefined, hide: () => undefined }
      : undefined,
});
process.on('exit', () => {
  if (lockPath) fs.rmSync(lockPath, { force: true });
});
// Electron emits `ready` once the main script has run (its top level is synchronous here).
setTimeout(() => {
  ready = true;
  report('ready');
  app.emit('ready', new ElectronEvent(), {});
  resolveReady();
}, 0);

// ---------------------------------------------------------------- windows and pages
let nextId = 1;
class WebFrameMain {
  constructor(contents, url) {
    this._contents = contents;
    this._url = url;
  }
  get url() {
    if (this._contents._destroyed)
      throw new Error('Render frame was disposed before WebFrameMain could be accessed');
    return this._url;
  }
}

class WebContents extends EventEmitter {
  constructor(owner, url = '') {
    super();
    this.id = nextId++;
    this._owner = owner;
    this._destroyed = false;
    this.mainFrame = new WebFrameMain(this, url);
    return guarded(this, 'WebContents');
  }
  isDestroyed() {
    return this._destroyed;
  }
  send(channel, payload) {
    report('sent', { channel, payload });
  }
  async loadURL(url) {
    this.mainFrame._url = url;
    const response = await fetchProtocol(url);
    report('page-loaded', {
      url,
      status: response.status,
      csp: response.headers.get('content-security-policy'),
    });
    this.emit('did-finish-load');
  }
  getURL() {
    return this.mainFrame._url;
  }
  setWindowOpenHandler(handler) {
    this._openHandler = handler;
  }
  reload() {
    report('reload');
  }
  _destroy() {
    this._destroyed = true;
    this.emit('destroyed');
  }
}

class BrowserWindow extends EventEmitter {
  static getAllWindows() {
    return [...windows];
  }
  constructor(options = {}) {
    super();
    this._destroyed = false;
    this._visible = options.show !== false;
    this._contents = new WebContents(this);
    app.emit('web-contents-created', new ElectronEvent(), this._contents);
    const self = guarded(this, 'BrowserWindow');
    windows.add(self);
    report('window-created', {
      show: this._visible,
      backgroundColor: options.backgroundColor,
      webPreferences: { ...options.webPreferences },
    });
    return self;
  }
  get webContents() {
    if (this._destroyed) throw destroyed('BrowserWindow', 'webContents');
    return this._contents;
  }
  isDestroyed() {
    return this._destroyed;
  }
  show() {
    this._visible = true;
    report('window-show');
  }
  hide() {
    this._visible = false;
    report('window-hide');
  }
  isVisible() {
    return this._visible;
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  setProgressBar(value, options) {
    report('progress', { value, mode: options?.mode });
  }
  close() {
    this._requestClose();
  }
  destroy() {
    this._destroyNow();
  }
  _requestClose() {
    const event = new ElectronEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this._destroyNow();
  }
  _destroyNow() {
    if (this._destroyed) return;
    this._destroyed = true;
    this._contents._destroy();
    for (const w of windows) if (w._destroyed) windows.delete(w);
    report('window-closed');
    this.emit('closed');
    if (!quitting && windows.size === 0) {
      if (app.listenerCount('window-all-closed') > 0) app.emit('window-all-closed');
      else app.quit();
    }
  }
}

// ---------------------------------------------------------------- IPC, session, protocol
const handlers = new Map();
const ipcMain = Object.assign(new EventEmitter(), {
  handle(channel, handler) {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, handler);
  },
  removeHandler(channel) {
    handlers.delete(channel);
  },
});

const schemes = new Map();
const protocol = {
  registerSchemesAsPrivileged(list) {
    if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    report('privileged-schemes', { schemes: list });
  },
  handle(scheme, handler) {
    if (schemes.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
    schemes.set(scheme, handler);
  },
  unhandle(scheme) {
    schemes.delete(scheme);
  },
  isProtocolHandled: (scheme) => schemes.has(scheme),
};
async function fetchProtocol(url) {
  const handler = schemes.get(new URL(url).protocol.slice(0, -1));
  if (!handler) return new Response('ERR_UNKNOWN_URL_SCHEME', { status: 599 });
  return handler(new Request(url));
}

const permissionHandlers = {};
const session = {
  defaultSession: {
    protocol,
    setPermissionRequestHandler: (handler) => void (permissionHandlers.request = handler),
    setPermissionCheckHandler: (handler) => void (permissionHandlers.check = handler),
    resolveProxy: async () => process.env.STANDIN_SYSTEM_PROXY ?? 'DIRECT',
    webRequest: { onHeadersReceived: () => undefined },
  },
};

// ---------------------------------------------------------------- tray, menus, notifications…
const nativeImage = {
  createFromPath: (file) => ({ _path: file, isEmpty: () => !fs.existsSync(file) }),
  createEmpty: () => ({ _path: '', isEmpty: () => true }),
};
let trayCount = 0;
class Tray extends EventEmitter {
  constructor(image) {
    super();
    // Some Linux desktops have no status area; the tests say which one they play.
    if (process.env.STANDIN_NO_TRAY === '1') throw new Error('Tray is not supported on this desktop');
    this._destroyed = false;
    this._menu = undefined;
    trayCount++;
    report('tray-image', { path: image._path, empty: image.isEmpty() });
    const self = guarded(this, 'Tray');
    currentTray = self;
    return self;
  }
  setImage(image) {
    report('tray-image', { path: image._path, empty: image.isEmpty() });
  }
  setToolTip(text) {
    report('tray-tooltip', { text });
  }
  setContextMenu(menu) {
    this._menu = menu;
    report('tray-menu', { labels: menu.items.map((i) => i.label).filter(Boolean) });
  }
  isDestroyed() {
    return this._destroyed;
  }
  destroy() {
    this._destroyed = true;
    trayCount--;
    report('tray-destroyed');
  }
}
let currentTray;
const Menu = {
  buildFromTemplate: (template) => ({ items: template.map((item) => ({ ...item })) }),
  setApplicationMenu(menu) {
    applicationMenu = menu;
    report('app-menu', { menu: JSON.parse(JSON.stringify(menu?.items ?? [])) });
  },
  getApplicationMenu: () => applicationMenu,
};
let applicationMenu = null;

class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    report('notification', { title: this.options.title, body: this.options.body });
  }
}

const answers = { messageBox: [], openDialog: [] };
const dialog = {
  async showMessageBox(windowOrOptions, maybeOptions) {
    const options = maybeOptions ?? windowOrOptions;
    const response = answers.messageBox.length > 0 ? answers.messageBox.shift() : (options.cancelId ?? 0);
    report('dialog', { message: options.message, buttons: options.buttons, response });
    return { response, checkboxChecked: false };
  },
  showErrorBox: (title, content) => report('error-box', { title, content }),
  async showOpenDialog(windowOrOptions, maybeOptions) {
    const options = maybeOptions ?? windowOrOptions;
    const answer = answers.openDialog.shift() ?? { canceled: true, filePaths: [] };
    report('open-dialog', { properties: options.properties, answer });
    return answer;
  },
};
const shell = {
  openExternal: async (url) => report('open-external', { url }),
  openPath: async (file) => (report('open-path', { path: file }), ''),
  showItemInFolder: (file) => report('show-item', { path: file }),
};
const powerMonitor = new EventEmitter();
const blockers = new Set();
let nextBlocker = 1;
const powerSaveBlocker = {
  start(type) {
    const id = nextBlocker++;
    blockers.add(id);
    report('blocker', { active: blockers.size, type });
    return id;
  },
  stop(id) {
    blockers.delete(id);
    report('blocker', { active: blockers.size });
  },
  isStarted: (id) => blockers.has(id),
};
const safeStorage = {
  isEncryptionAvailable: () => true,
  isAsyncEncryptionAvailable: async () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptStringAsync: async (text) => Buffer.from(`sealed:${Buffer.from(text).toString('base64')}`),
  decryptStringAsync: async (buffer) => {
    const text = buffer.toString();
    if (!text.startsWith('sealed:'))
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return { result: Buffer.from(text.slice(7), 'base64').toString(), shouldReEncrypt: false };
  },
};
const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: false });

// ---------------------------------------------------------------- the test's controls
const foreignContents = new WebContents(undefined, 'https://evil.example/');
const ourWindow = () => [...windows].find((w) => !w._destroyed);

async function control(message) {
  switch (message.cmd) {
    case 'invoke': {
      const handler = handlers.get(message.channel);
      if (!handler) throw new Error(`No handler registered for '${message.channel}'`);
      const window = ourWindow();
      let sender = window?._contents;
      let senderFrame = sender?.mainFrame;
      if (message.from === 'foreign') [sender, senderFrame] = [foreignContents, foreignContents.mainFrame];
      if (message.from === 'subframe') senderFrame = new WebFrameMain(sender, sender.mainFrame._url);
      if (message.from === 'other-url') senderFrame = new WebFrameMain(sender, message.url);
      if (!sender) throw new Error('No window to send from');
      return handler({ sender, senderFrame, processId: 1, frameId: 1 }, message.payload);
    }
    case 'close-window':
      ourWindow()?.close();
      return windows.size;
    case 'tray-click': {
      if (!currentTray || currentTray._destroyed) throw new Error('No tray');
      if (!message.label) return void currentTray.emit('click');
      const item = currentTray._menu?.items.find((i) => i.label === message.label);
      if (!item) throw new Error(`No tray menu item "${message.label}"`);
      item.click?.(item, undefined, {});
      return true;
    }
    case 'menu-click': {
      const items = (applicationMenu?.items ?? []).flatMap((i) => i.submenu ?? []);
      const item = items.find((i) => i.label === message.label);
      if (!item) throw new Error(`No menu item "${message.label}"`);
      item.click?.(item, undefined, {});
      return true;
    }
    case 'power': {
      const event = new ElectronEvent();
      powerMonitor.emit(message.event, event);
      return event.defaultPrevented;
    }
    case 'app-event':
      app.emit(message.event, new ElectronEvent(), ...(message.args ?? []));
      return true;
    case 'quit':
      app.quit();
      return true;
    case 'renderer-gone': {
      const contents = ourWindow()?._contents;
      app.emit('render-process-gone', new ElectronEvent(), contents, { reason: 'crashed', exitCode: 139 });
      return true;
    }
    case 'fail-in-main':
      // Thrown outside any handler of ours, as a bug in a timer callback would be.
      setTimeout(() => {
        throw new Error('stand-in: uncaught in main');
      }, 0);
      void Promise.reject(new Error('stand-in: unhandled rejection in main'));
      return true;
    case 'answer':
      answers[message.kind].push(message.value);
      return true;
    case 'fetch': {
      const response = await fetchProtocol(message.url);
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        csp: response.headers.get('content-security-policy'),
        body: (await response.text()).slice(0, 2000),
      };
    }
    case 'permission':
      return new Promise((resolve) =>
        permissionHandlers.request(ourWindow()?._contents, message.permission, resolve, {
          requestingUrl: message.url,
        }),
      );
    case 'env':
      return Object.fromEntries(message.names.map((name) => [name, process.env[name] ?? null]));
    case 'state':
      return {
        windows: [...windows].map((w) => ({ visible: w._visible })),
        trays: trayCount,
        blockers: blockers.size,
        handlers: handlers.size,
      };
    default:
      throw new Error(`Unknown control ${message.cmd}`);
  }
}
process.on('message', (message) => {
  if (message?.type !== 'control') return;
  Promise.resolve()
    .then(() => control(message))
    .then(
      (value) => process.connected && process.send({ type: 'reply', id: message.id, value: value ?? null }),
      (error) =>
        process.connected &&
        process.send({ type: 'reply', id: message.id, error: String(error?.message ?? error) }),
    );
});

module.exports = {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  nativeTheme,
  Notification,
  powerMonitor,
  powerSaveBlocker,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
};
