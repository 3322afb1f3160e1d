import { join } from 'node:path';
import { app, Menu, nativeImage, Notification, Tray, type BrowserWindow } from 'electron';
import type { UploaderCore } from '../core/uploader-core.ts';
import type { Logger } from '../core/ports.ts';
import { needsAttention } from '../shared/item-state.ts';
import type { QueueItemView, QueueTotals } from '../shared/queue-types.ts';
import { OfflineCounter, summarize, trayImageName, type StatusSummary } from './tray-state.ts';

export interface StatusSurfaces {
  /** Shows progress on this window's taskbar button until the returned function runs (its `closed`). */
  bindWindow(window: BrowserWindow): () => void;
  /** Whether a tray icon exists to come back from (some Linux desktops have none). */
  readonly hasTray: boolean;
  close(): void;
}

/**
 * Where the queue shows outside the window: the tray icon (idle / uploading / paused / offline /
 * error) with its menu, the taskbar or dock progress bar, the dock badge for items needing
 * attention, and batched notifications ("12 files uploaded", "3 need attention"). Everything is
 * computed from the queue's totals and item events (tray-state.ts); nothing lists the queue.
 * The tray belongs to the app (it outlives the window); progress belongs to each window.
 */
export function attachStatusSurfaces(
  core: UploaderCore,
  options: { imagesDir: string; showWindow: () => void; quit: () => void; logger: Logger },
): StatusSurfaces {
  const offline = new OfflineCounter(core.queue.list()); // once, at start
  const windows = new Set<BrowserWindow>();
  let tray: Tray | undefined;
  try {
    tray = new Tray(trayImage('idle'));
    tray.on('click', options.showWindow);
  } catch (error) {
    options.logger.warn('No tray icon on this desktop: closing the window will quit.', { error });
  }
  let shown: StatusSummary | undefined;
  let shownPaused: boolean | undefined;

  function trayImage(state: StatusSummary['state']) {
    return nativeImage.createFromPath(join(options.imagesDir, trayImageName(state, process.platform)));
  }

  const menu = (paused: boolean) =>
    Menu.buildFromTemplate([
      { label: 'Open TL Uploader', click: options.showWindow },
      { type: 'separator' },
      ...(paused
        ? [{ label: 'Resume all uploads', click: () => void run('uploads:resume-all', {}) }]
        : [
            { label: 'Pause all uploads', click: () => void run('uploads:pause-all', {}) },
            {
              label: 'Pause for 1 hour',
              click: () => void run('uploads:pause-all', { until: Date.now() + 3_600_000 }),
            },
          ]),
      { type: 'separator' },
      { label: 'Quit TL Uploader', click: options.quit },
    ]);

  const run = (name: 'uploads:resume-all' | 'uploads:pause-all', payload: object) =>
    core
      .invoke(name, payload)
      .catch((error: unknown) => options.logger.error(`tray: ${name} failed`, { error }));

  const showProgress = (window: BrowserWindow, s: StatusSummary) => {
    if (window.isDestroyed()) return;
    window.setProgressBar(s.progress, { mode: s.progressMode });
  };

  const render = (t: QueueTotals) => {
    const s = summarize(t, offline.count);
    if (tray && s.state !== shown?.state) tray.setImage(trayImage(s.state));
    if (tray && s.tooltip !== shown?.tooltip) tray.setToolTip(s.tooltip);
    if (tray && t.paused !== shownPaused) tray.setContextMenu(menu(t.paused));
    if (s.progress !== shown?.progress || s.progressMode !== shown?.progressMode)
      for (const window of windows) showProgress(window, s);
    if (process.platform === 'darwin' && s.badge !== shown?.badge) app.dock?.setBadge(s.badge);
    shown = s;
    shownPaused = t.paused;
  };

  // Notifications, batched: one per burst of finished items, not one per file.
  let uploaded = 0;
  let attention = 0;
  let batchTimer: NodeJS.Timeout | undefined;
  const notifyBatch = () => {
    batchTimer = undefined;
    const parts = [
      uploaded > 0 && `${uploaded} file${uploaded === 1 ? '' : 's'} uploaded`,
      attention > 0 && `${attention} need${attention === 1 ? 's' : ''} attention`,
    ].filter(Boolean);
    uploaded = 0;
    attention = 0;
    if (parts.length > 0 && Notification.isSupported()) {
      const note = new Notification({ title: 'TL Uploader', body: parts.join(', ') });
      note.on('click', options.showWindow);
      note.show();
    }
  };
  const onItem = (item: QueueItemView) => {
    offline.update(item);
    if (item.state === 'ready') uploaded++;
    else if (needsAttention(item.state)) attention++;
    else return;
    batchTimer ??= setTimeout(notifyBatch, 5_000);
  };

  const offs = [
    core.on('uploads:totals-changed', render),
    core.on('uploads:item-changed', onItem),
    core.on('uploads:item-removed', ({ id }) => offline.remove(id)),
  ];
  render(core.queue.totals());

  return {
    hasTray: tray !== undefined,
    bindWindow(window) {
      windows.add(window);
      if (shown) showProgress(window, shown);
      return () => windows.delete(window);
    },
    close() {
      offs.forEach((off) => off());
      clearTimeout(batchTimer);
      windows.clear();
      tray?.destroy();
      tray = undefined;
    },
  };
}
