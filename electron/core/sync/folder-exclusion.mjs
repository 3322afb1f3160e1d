// The app's own data folder kept out of a walk that runs in a worker thread: shared by the watcher
// workers (native-dir-worker.mjs, chokidar-worker.mjs) and the scan worker (scan-worker.mjs).
// Plain JavaScript, like them, so that it loads in any runtime without a TS loader; the desktop
// build ships it next to them (vite.desktop.config.ts, electron-builder.yml). The main thread's
// side of the same rule is folder-guards.ts, which hands the lists over (excludedFolders(),
// excludedIdentities()).
import { realpathSync, statSync } from 'node:fs';
import { sep } from 'node:path';

/** `inner` is `outer` or inside it. */
export const within = (inner, outer) =>
  inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/**
 * A test of whether a folder is (inside) an excluded one: by device and inode (a bind mount of the
 * data folder has a path of its own), then by its path and its real path (a symlink leads into it).
 * `stats`: the folder's own stat when the caller has it (else it is taken here, only when some
 * identity is excluded); `realPath`: its real path when the caller knows it (else resolved here).
 */
export function folderExclusion({ excluded = [], excludedIds = [] }) {
  return (path, stats, realPath) => {
    if (excludedIds.length > 0) {
      let info = stats;
      try {
        info ??= statSync(path);
      } catch {
        // Gone or unreadable: the walk that met it says so; by its path below.
      }
      if (info && excludedIds.includes(`${info.dev}:${info.ino}`)) return true;
    }
    if (excluded.length === 0) return false;
    let real = realPath;
    if (real === undefined)
      try {
        real = realpathSync.native(path);
      } catch {
        real = path; // gone or unreadable: compared as given
      }
    return excluded.some((dir) => within(path, dir) || within(real, dir));
  };
}

/** The name-level ignore rules (IgnoreRules.nameSources()) as one test of a file or folder name. */
export function nameIgnorer(patterns = []) {
  const rules = patterns.map((source) => new RegExp(source, 'i'));
  return (name) => rules.some((r) => r.test(name));
}
