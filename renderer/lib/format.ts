export { formatBytes, formatDuration } from '../../electron/shared/format.ts';

export function formatTime(epochMs: number | undefined): string {
  if (!epochMs) return '—';
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatRelative(when: string | number | undefined): string {
  if (when === undefined) return '—';
  const t = typeof when === 'number' ? when : Date.parse(when);
  if (!Number.isFinite(t)) return '—';
  const seconds = Math.round((t - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, 'second');
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  return new Date(t).toLocaleDateString();
}

/** A moment in the coming days: the time if today, else the weekday and time ("Mon 09:00"). */
export function formatUntil(epochMs: number): string {
  const when = new Date(epochMs);
  const today = new Date().toDateString() === when.toDateString();
  return when.toLocaleString([], { ...(!today && { weekday: 'short' }), hour: '2-digit', minute: '2-digit' });
}

/** Bytes per second as the MB/s the settings show, to one decimal (0 when unset). */
export function mbps(bytesPerSecond: number): number {
  return bytesPerSecond ? Math.round((bytesPerSecond / 1_000_000) * 10) / 10 : 0;
}
