/**
 * Whether a file path is a copy that serve mode staged (a file dropped or chosen in the browser),
 * not where the person keeps the file: showing it would point them at a temporary folder.
 * Windows and POSIX paths alike, compared with forward slashes.
 */
export function isStagedCopy(path: string, dataDir: string | undefined): boolean {
  if (!dataDir) return false;
  const slashed = (p: string) => p.replace(/\\/g, '/').replace(/\/$/, '');
  return slashed(path).startsWith(`${slashed(dataDir)}/staging/`);
}

export const STAGED_TEXT = 'Added through the browser (the copy sent was temporary)';
