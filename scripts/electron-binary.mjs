// Where the Electron binary is, if it was installed — without requiring the `electron` package,
// which tries to download the binary when it is missing (no such download can work here).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** @returns {string | undefined} */
export function installedElectronBinary() {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(root, 'path.txt');
    if (!existsSync(pathFile)) return undefined;
    const binary = join(root, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}
