/** Numbers for people, shared by the renderer and the CLI (each passes its own "unknown" mark). */

export function formatBytes(bytes: number | undefined, unknown = '—'): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return unknown;
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number | undefined, unknown = '—'): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return unknown;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
