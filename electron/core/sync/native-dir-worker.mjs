// Watches a tree's DIRECTORIES with the OS (fs.watch: inotify, FSEvents, ReadDirectoryChangesW),
// one watch per directory, in a worker thread; the native mode of chokidar-folder-watcher.ts.
// Plain JavaScript so that it loads in any runtime (Node, Electron, tests) without a TS loader.
//
// Why not chokidar here (issue 18): even with files ignored, chokidar stats every file of the tree
// and keeps every name: at 100,000 files in 5,000 folders its thread took ~480 MiB, most of the
// app's peak. What a directory watch says is all that is needed: a name in this directory changed
// ('touch': the main side stats it and decides), or the directory itself changed ('dirChanged').
// Here only directories are listed (no stat of files) and one small watcher is kept per directory.
// A new sub-directory is watched and reported ('addDir': the main side scans it); a watched one
// gone is unwatched and reported ('unlinkDir'). Symlinks are not followed, as the scan does not.
import { lstatSync, opendirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { folderExclusion, nameIgnorer, within } from './folder-exclusion.mjs';
import { eventBatcher, postError } from './watch-events.mjs';

const { root, recursive, ignorePatterns, excluded = [], excludedIds = [] } = workerData;
const ignoredName = nameIgnorer(ignorePatterns);
// The app's data folder is never watched, whatever path leads to it (folder-exclusion.mjs).
const excludedFolder = folderExclusion({ excluded, excludedIds });

// Events coalesced per path and sent in batches (watch-events.mjs).
const events = eventBatcher(parentPort);
const report = events.report;
const fail = (error, path) => postError(parentPort, error, path);

/** Watched directory → its watcher. */
const watchers = new Map();
let closed = false;

/** Watches `dir` and (recursively) the directories below it; false when the OS refused. */
function watchTree(dir) {
  const stack = [dir];
  while (stack.length > 0 && !closed) {
    const current = stack.pop();
    if (watchers.has(current) || (current !== root && excludedFolder(current))) continue;
    let watcher;
    try {
      watcher = watch(current, { persistent: true }, (_event, name) => changed(current, name));
    } catch (error) {
      // Gone since it was listed: its parent's watch says so. The OS limit (ENOSPC, EMFILE):
      // the main side falls back to polling.
      if (current !== root && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) continue;
      fail(error, current);
      return false;
    }
    watcher.on('error', (error) => {
      // The directory went away (some platforms say so as an error): unwatched, reported.
      if (error.code === 'EPERM' || error.code === 'ENOENT') gone(current);
      else fail(error, current);
    });
    watchers.set(current, watcher);
    if (!recursive) continue; // the root's own files only
    let handle;
    try {
      handle = opendirSync(current, { bufferSize: 128 });
      for (let entry; (entry = handle.readSync()) !== null;)
        if (entry.isDirectory() && !ignoredName(entry.name)) stack.push(join(current, entry.name));
    } catch (error) {
      if (current === root) fail(error, current);
      // A sub-directory that cannot be read: the scan reports it.
    } finally {
      handle?.closeSync();
    }
  }
  return true;
}

/** Something happened to `name` in `dir` (or to `dir` itself when there is no name). */
function changed(dir, name) {
  if (closed) return;
  if (!name) return report('dirChanged', dir);
  const path = join(dir, String(name));
  if (path === dir) return;
  let info;
  try {
    info = lstatSync(path);
  } catch {
    info = undefined;
  }
  if (info?.isDirectory()) {
    if (!recursive || ignoredName(String(name)) || watchers.has(path)) return report('dirChanged', path);
    if (watchTree(path)) report('addDir', path);
    return;
  }
  if (!info && watchers.has(path)) return gone(path);
  report('touch', path);
}

/** A watched directory is gone: it and everything watched below it. */
function gone(dir) {
  for (const [path, watcher] of watchers)
    if (within(path, dir)) {
      watcher.close();
      watchers.delete(path);
    }
  report('unlinkDir', dir);
}

// Setting up thousands of watches takes a while: the main thread is told when it is done.
// An error on the way was sent before 'ready': the main side acts on it (polling, unavailable).
setImmediate(() => {
  watchTree(root);
  parentPort.postMessage({ type: 'ready' });
});

parentPort.on('message', (message) => {
  if (message !== 'close') return;
  closed = true;
  events.stop();
  for (const watcher of watchers.values()) watcher.close();
  watchers.clear();
  parentPort.postMessage({ type: 'closed' });
});
