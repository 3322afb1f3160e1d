import { realpathSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, parse, resolve, sep } from 'node:path';
import { FolderError } from './folder-errors.ts';

/**
 * Folders that must never be watched, and the app's own data folder kept out of every scan.
 *
 * Watching `/` once took 7 GB and never answered; watching a folder that contains the data
 * folder uploaded the app's own thumbnails. Both are refused when a folder is added, by its real
 * path (a symlink to the data folder is the data folder). Should a folder still lead into the data
 * folder later (a symlink retargeted after it was added), every scan skips it: `excludeFromScans`.
 */

/** `inner` is `outer` or inside it. */
export function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
}

/** Pseudo file systems: endless, changing, and never a place where media is kept. */
const SYSTEM_FOLDERS = process.platform === 'win32' ? [] : ['/proc', '/sys', '/dev'];

async function real(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path)); // missing or unreadable: compared as given
}

/**
 * Throws a FolderError that says why `absolute` (an existing folder) cannot be watched and what
 * to do instead, or returns its real path.
 */
export async function checkWatchable(
  absolute: string,
  options: { dataDir?: string; home?: string } = {},
): Promise<string> {
  const folder = await real(absolute);
  const shown = absolute === folder ? absolute : `${absolute} (${folder})`;
  if (parse(folder).root === folder)
    throw new FolderError(
      `${shown} is the whole disk: every file on it would be uploaded. Choose the folder your media is saved in, such as a camera card or an exports folder.`,
    );
  if (SYSTEM_FOLDERS.some((system) => within(folder, system)))
    throw new FolderError(
      `${shown} is a folder of the operating system (its processes and devices), with no media in it; watching it would never end. Choose the folder your media is saved in.`,
    );
  const home = await real(options.home ?? homedir());
  if (within(home, folder))
    throw new FolderError(
      `${shown} ${folder === home ? 'is your home folder' : 'contains your home folder'}: every photo, recording and download in it would be uploaded, with the caches of other apps. Choose a folder inside it, such as your Videos or Pictures folder.`,
    );
  if (options.dataDir) {
    const data = await real(options.dataDir);
    // By identity too (device and inode of each folder up to the root): a bind mount, or a name in
    // another case on a disk that ignores case, is the same folder under a path of its own.
    const [folderIds, dataIds] = await Promise.all([identities(folder), identities(data)]);
    const inside = dataIds[0] !== undefined && folderIds.includes(dataIds[0]);
    const contains = folderIds[0] !== undefined && dataIds.includes(folderIds[0]);
    if (within(folder, data) || inside)
      throw new FolderError(
        `${shown} is inside TL Uploader's own data folder (${data}), which holds its queue and thumbnails, not your media. Choose a folder outside it.`,
      );
    if (within(data, folder) || contains)
      throw new FolderError(
        `${shown} contains TL Uploader's own data folder (${data}): its thumbnails and working files would be uploaded. Choose a folder that does not contain it, or move the data folder elsewhere (TL_UPLOADER_DATA_DIR or --data-dir).`,
      );
  }
  return folder;
}

/**
 * `dev:ino` of `path` and of each folder above it, nearest first; none when `path` itself cannot
 * be read (a folder above that cannot be read is left out).
 */
async function identities(path: string): Promise<string[]> {
  const ids: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    // A folder that cannot be read has no identity to compare: left out, as the comment above says.
    const info = await stat(at).catch(() => undefined);
    if (info) ids.push(`${info.dev}:${info.ino}`);
    else if (at === path) return [];
    if (dirname(at) === at) return ids;
  }
}

/** Real paths no scan enters, with how many owners asked for each (two cores may share one). */
const excluded = new Map<string, number>();

/**
 * Keeps `dir` (the app's data folder) out of every folder scan in this process until the
 * returned function is called. Both its path as given and its real path are kept out.
 */
export function excludeFromScans(dir: string): () => void {
  const paths = [...new Set([resolve(dir), realOrSelf(dir)])];
  for (const path of paths) excluded.set(path, (excluded.get(path) ?? 0) + 1);
  // By identity too: a bind mount of the data folder (or a second mount of its disk) shows it
  // under a path no real path leads back from.
  const id = identityOf(dir);
  if (id) excludedIds.set(id, (excludedIds.get(id) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const path of paths) {
      const left = (excluded.get(path) ?? 1) - 1;
      if (left > 0) excluded.set(path, left);
      else excluded.delete(path);
    }
    if (!id) return;
    const left = (excludedIds.get(id) ?? 1) - 1;
    if (left > 0) excludedIds.set(id, left);
    else excludedIds.delete(id);
  };
}

/** Device and inode of the excluded folders, as `dev:ino`, with how many owners asked. */
const excludedIds = new Map<string, number>();

function identityOf(dir: string): string | undefined {
  try {
    const info = statSync(dir);
    return `${info.dev}:${info.ino}`;
  } catch {
    return undefined; // not made yet: its paths still keep it out
  }
}

/** The excluded folders by identity (`dev:ino`), for a watcher that runs elsewhere. */
export function excludedIdentities(): string[] {
  return [...excludedIds.keys()];
}

/** Whether a folder, by its stat, is an excluded one under whatever path (a bind mount). */
export function isExcludedIdentity(info: { dev: number; ino: number }): boolean {
  return excludedIds.size > 0 && excludedIds.has(`${info.dev}:${info.ino}`);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path); // missing or unreadable: compared as given
  }
}

/** The excluded folders now (paths as given and real paths), for a watcher that runs elsewhere. */
export function excludedFolders(): string[] {
  return [...excluded.keys()];
}

/** Whether a folder, by its real path, is (inside) an excluded one. */
export function isExcluded(realPath: string): boolean {
  if (excluded.size === 0) return false;
  for (const path of excluded.keys()) if (within(realPath, path)) return true;
  return false;
}

/**
 * The same for a path as a watcher reports it (it may lead through a symlink): its parent folder
 * is resolved, with a small cache, as events come in bursts from the same folders.
 */
export function makeEventFilter(): (path: string) => boolean {
  const parents = new Map<string, string>();
  return (path) => {
    if (excluded.size === 0) return false;
    if (isExcluded(resolve(path))) return true;
    const parent = resolve(path, '..');
    let realParent = parents.get(parent);
    if (realParent === undefined) {
      realParent = realOrSelf(parent);
      if (parents.size >= 1_000) parents.clear();
      parents.set(parent, realParent);
    }
    return isExcluded(realParent);
  };
}
