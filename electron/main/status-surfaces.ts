import { app, Menu, nativeImage, Notification, Tray, type BrowserWindow } from 'electron';
import type { QueueItemView, QueueTotals } from '../shared/queue-types.ts';
import type { UploaderCore } from '../core/uploader-core.ts';

type TrayState = 'idle' | 'uploading' | 'paused' | 'offline' | 'error';

/**
 * Where the queue shows outside the window: the tray icon (idle / uploading / paused / offline /
 * error, with pause-all and open), the taskbar or dock progress bar, the macOS badge for items
 * needing attention, and batched notifications ("12 files uploaded", "3 need attention").
 */
export function attachStatusSurfaces(
  core: UploaderCore,
  window: BrowserWindow,
  iconPath: string,
): () => void {
  const tray = new Tray(nativeImage.createFromPath(iconPath));
  let state: TrayState = 'idle';
  let uploaded = 0;
  let attention = 0;
  let batchTimer: NodeJS.Timeout | undefined;

  const menu = () =>
    Menu.buildFromTemplate([
      { label: `TL Uploader: ${state}`, enabled: false },
      { type: 'separator' },
      { label: 'Open', click: () => window.show() },
      ...(core.queue.totals().paused
        ? [{ label: 'Resume all uploads', click: () => void core.invoke('uploads:resume-all', {}) }]
        : [
            { label: 'Pause all uploads', click: () => void core.invoke('uploads:pause-all', {}) },
            {
              label: 'Pause for 1 hour',
              click: () => void core.invoke('uploads:pause-all', { until: Date.now() + 3_600_000 }),
            },
          ]),
      { type: 'separator' },
      { label: 'Quit', role: 'quit' },
    ]);

  const render = (t: QueueTotals) => {
    const waitingOffline = core.queue.list().some((i) => i.state === 'waiting' && i.wait?.code === 'offline');
    const failed = t.byState.failed ?? 0;
    state =
      t.blockedByAuth || failed > 0
        ? 'error'
        : t.paused
          ? 'paused'
          : waitingOffline
            ? 'offline'
            : t.bytesDone < t.bytesTotal
              ? 'uploading'
              : 'idle';
    tray.setToolTip(`TL Uploader — ${state}`);
    tray.setContextMenu(menu());
    window.setProgressBar(state === 'uploading' && t.bytesTotal > 0 ? t.bytesDone / t.bytesTotal : -1, {
      mode: t.paused ? 'paused' : 'normal',
    });
    if (process.platform === 'darwin')
      app.dock?.setBadge(failed + (t.blockedByAuth ? 1 : 0) > 0 ? String(failed) : '');
  };

  const notifyBatch = () => {
    batchTimer = undefined;
    const parts = [
      uploaded > 0 && `${uploaded} file${uploaded === 1 ? '' : 's'} uploaded`,
      attention > 0 && `${attention} need${attention === 1 ? 's' : ''} attention`,
    ].filter(Boolean);
    uploaded = 0;
    attention = 0;
    if (parts.length > 0 && Notification.isSupported())
      new Notification({ title: 'TL Uploader', body: parts.join(', ') }).show();
  };
  const onItem = (item: QueueItemView) => {
    if (item.state === 'ready') uploaded++;
    else if (item.state === 'failed' || item.state === 'source-missing') attention++;
    else return;
    batchTimer ??= setTimeout(notifyBatch, 5_000);
  };

  const offTotals = core.on('uploads:totals-changed', render);
  const offItems = core.on('uploads:item-changed', onItem);
  render(core.queue.totals());
  return () => {
    offTotals();
    offItems();
    clearTimeout(batchTimer);
    tray.destroy();
  };
}
