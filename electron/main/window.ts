import { app, BrowserWindow, nativeTheme, session, shell } from 'electron';
import type { Logger } from '../core/ports.ts';
import { APP_ENTRY_URL, APP_HOST, APP_SCHEME } from './app-url.ts';

/** Whether a URL is one of our own app:// pages. */
const isAppUrl = (url: string | undefined) => {
  try {
    const u = new URL(url ?? '');
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false; // not a URL at all: certainly not our page
  }
};

/** Permissions our page may have: writing to the clipboard ("Copy asset id"), and nothing else. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

/**
 * Session-wide rules, set once: permissions only for our own page, and only those it needs;
 * every other request is refused and logged.
 */
export function hardenSession(logger: Logger): void {
  // Any web contents at all (ours get their own handlers too): no new windows, no webviews.
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const allowed = ALLOWED_PERMISSIONS.has(permission) && isAppUrl(details.requestingUrl);
    if (!allowed) logger.info(`Permission refused: ${permission}`, { from: details.requestingUrl });
    callback(allowed);
  });
  ses.setPermissionCheckHandler(
    (_wc, permission, requestingOrigin) =>
      ALLOWED_PERMISSIONS.has(permission) && isAppUrl(`${requestingOrigin}/`),
  );
}

/**
 * The one window: sandboxed renderer, context isolation, no Node; pages only from app:// (which
 * sends the CSP); new windows denied (https links open in the browser), navigation away and
 * webviews blocked. It shows at once with the theme's background — the page shows its own
 * loading state while the core loads — rather than after everything is ready.
 */
export function createMainWindow(options: {
  preloadPath: string;
  iconPath: string;
  logger: Logger;
}): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    show: true,
    title: 'TL Uploader',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#ffffff',
    ...(process.platform === 'linux' && { icon: options.iconPath }),
    webPreferences: {
      preload: options.preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const wc = window.webContents;
  wc.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    else options.logger.info('A new window was refused', { url });
    return { action: 'deny' };
  });
  wc.on('will-navigate', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    options.logger.info('Navigation away from the app was refused', { url });
  });
  wc.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  wc.on('will-attach-webview', (event) => event.preventDefault());
  wc.loadURL(APP_ENTRY_URL).catch((error: unknown) =>
    options.logger.error('The app page could not be loaded', { error }),
  );
  return window;
}
