const UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/**
 * The --bwlimit value in bytes per second: a number with an optional k, M or G (decimal, as the
 * app's MB/s), or `off` / `0` for unlimited. Undefined when it is neither.
 */
export function parseBandwidth(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off') return 0;
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:b|b\/s)?$/.exec(value);
  if (!match) return undefined;
  const bytes = Math.round(Number(match[1]) * UNITS[match[2]!]!);
  return bytes <= 10_000_000_000 ? bytes : undefined;
}
