import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu. Packaged builds have no developer tools and no reload (a reload drops
 * the page's state; the page never needs one); unpackaged runs keep them for development.
 * Pure (Electron's types only), so what ships is unit-tested.
 */
export function menuTemplate(options: {
  platform: NodeJS.Platform;
  packaged: boolean;
  addFiles: () => void;
  addFolder: () => void;
  openLogFolder: () => void;
  openHelp: () => void;
}): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Add Files…', accelerator: 'CmdOrCtrl+O', click: options.addFiles },
      { label: 'Add Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: options.addFolder },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...(options.packaged
        ? []
        : ([
            { role: 'reload' },
            { role: 'toggleDevTools' },
            { type: 'separator' },
          ] as MenuItemConstructorOptions[])),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [
      { label: 'TL Uploader Help', click: options.openHelp },
      { label: 'Show Log Files', click: options.openLogFolder },
    ],
  };
  return [
    ...(mac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    file,
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
    help,
  ];
}
