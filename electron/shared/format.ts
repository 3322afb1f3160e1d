/**
 * Numbers for people, the one formatter of sizes: the renderer, the CLI (each passes its own
 * "unknown" mark) and the core's messages ("clip.mp4 is 4.29 GB; video files can be at most 4 GB").
 */

/**
 * Decimal units (as the platform's limits are stated). A limit reads as it is written ("32 MB",
 * not "32.0 MB"), and gigabytes keep two decimals, so a file just over a limit never reads as
 * equal to it.
 */
export function formatBytes(bytes: number | undefined, unknown = '—'): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return unknown;
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const decimals = unit === 0 || value >= 100 ? 0 : unit >= 3 ? 2 : 1;
  return `${+value.toFixed(decimals)} ${units[unit]}`;
}

export function formatDuration(seconds: number | undefined, unknown = '—'): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return unknown;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
