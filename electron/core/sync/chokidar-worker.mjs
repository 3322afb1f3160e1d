// Runs chokidar in a worker thread: its initial walk of a large tree blocks the thread it runs on
// for hundreds of milliseconds, and that must not be the main process's event loop.
// Plain JavaScript so that it loads in any runtime (Node, Electron, tests) without a TS loader.
import { parentPort, workerData } from 'node:worker_threads';
import { watch } from 'chokidar';

const { root, recursive, polling, ignorePatterns } = workerData;
const ignoreRules = ignorePatterns.map((source) => new RegExp(source, 'i'));
const ignored = (path) => {
  if (path === root) return false;
  const rel = path.slice(root.length + 1).split(/[\\/]/);
  return rel.some((part) => ignoreRules.some((r) => r.test(part)));
};

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
  watcher.on(type, (path) => parentPort.postMessage({ type, path }));
watcher.on('error', (error) =>
  parentPort.postMessage({ type: 'error', code: error.code, path: error.path, message: error.message }),
);
watcher.on('ready', () => parentPort.postMessage({ type: 'ready' }));
parentPort.on('message', async (message) => {
  if (message === 'close') {
    await watcher.close();
    parentPort.postMessage({ type: 'closed' });
  }
});
