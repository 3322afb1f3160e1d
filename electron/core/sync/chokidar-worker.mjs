// Runs chokidar in a worker thread: its initial walk of a large tree blocks the thread it runs on
// for hundreds of milliseconds, and that must not be the main process's event loop.
// Plain JavaScript so that it loads in any runtime (Node, Electron, tests) without a TS loader.
//
// Natively, only DIRECTORIES are watched. chokidar would otherwise open one OS watch per file
// (measured: 100,000 files cost 760 MB of heap in this thread and one inotify watch each); a
// directory's watch already reports every change to the files in it, by name, as chokidar's raw
// events. Those are passed on as 'touch' (something happened at this path: the main side stats it
// and decides whether it was an add, a change or a removal). Polling has no such per-directory
// report, so in polling mode files are watched one by one as before.
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { watch } from 'chokidar';
import { folderExclusion, nameIgnorer } from './folder-exclusion.mjs';
import { eventBatcher, postError } from './watch-events.mjs';

const { root, recursive, polling, ignorePatterns, excluded = [], excludedIds = [] } = workerData;
const ignoredName = nameIgnorer(ignorePatterns);
// A folder that is (or leads, through a symlink, into) an excluded one (the app's data folder) is
// not entered: chokidar follows symlinks, and the main side only filters events. By real path,
// once per folder; by identity with the stats chokidar hands over (of what a symlink points to).
const excludedFolder = folderExclusion({ excluded, excludedIds });
const ignored = (path, stats) => {
  if (stats?.isDirectory() && excludedFolder(path, stats)) return true;
  if (path === root) return false;
  if (!polling && stats?.isFile()) return true;
  const rel = path.slice(root.length + 1).split(/[\\/]/);
  return rel.some(ignoredName);
};

// Events coalesced per path and sent in batches (watch-events.mjs).
const events = eventBatcher(parentPort);
const report = events.report;

const watcher = watch(root, {
  ignoreInitial: true,
  persistent: true,
  depth: recursive ? undefined : 0,
  ignored,
  usePolling: polling,
  interval: 2000,
  binaryInterval: 2000,
  awaitWriteFinish: false,
  alwaysStat: false,
});
for (const type of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'])
  watcher.on(type, (path) => report(type, path));
if (!polling)
  watcher.on('raw', (_event, name, details) => {
    const dir = details?.watchedPath;
    if (!dir) return;
    // Without a name (some platforms, some events) the directory itself is looked at again.
    report(name ? 'touch' : 'dirChanged', name ? join(dir, name) : dir);
  });
watcher.on('error', (error) => postError(parentPort, error));
watcher.on('ready', () => parentPort.postMessage({ type: 'ready' }));
parentPort.on('message', async (message) => {
  if (message === 'close') {
    events.stop();
    await watcher.close();
    parentPort.postMessage({ type: 'closed' });
  }
});
