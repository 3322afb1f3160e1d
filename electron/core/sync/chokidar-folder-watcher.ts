import { Worker } from 'node:worker_threads';
import { excludedFolders, excludedIdentities } from './folder-guards.ts';
import type { FolderWatcher, FolderWatcherOptions, WatchEventType } from './folder-watcher.ts';

/**
 * Watches a folder in a worker thread: natively with one OS watch per directory
 * (native-dir-worker.mjs), polling with chokidar (chokidar-worker.mjs): setting up watches on
 * a tree of thousands of folders stalls the thread that does it, so it is not the main one.
 * Our own stability rule decides when a file is finished (awaitWriteFinish off), and the initial
 * listing is ours (ignoreInitial), batched. Natively only directories are watched, and what
 * happens to the files in them arrives as 'touch' events (see the worker).
 *
 * Ignore rules cross the thread boundary as name patterns (`ignoreNames`); the path-level rules
 * are applied again on this side to every event.
 */
type WorkerMessage =
  | { type: 'ready' | 'closed' }
  | { type: 'error'; code?: string; path?: string; message?: string }
  | { type: 'events'; events: Array<[string, WatchEventType]> };

export async function chokidarWatchFolder(
  root: string,
  options: FolderWatcherOptions,
): Promise<FolderWatcher> {
  // Natively, a lean watch of directories (native-dir-worker.mjs); polling needs chokidar's.
  // Each URL is spelt out literally: the desktop build finds these spellings and points them at
  // the files unpacked next to the asar (vite.desktop.config.ts).
  const script = options.polling
    ? new URL('./chokidar-worker.mjs', import.meta.url)
    : new URL('./native-dir-worker.mjs', import.meta.url);
  const worker = new Worker(script, {
    // Plain JavaScript: without the parent's flags (under tsx or vitest, a TS loader in the
    // thread cost ~1 s to start and tens of MB resident, all for nothing). Its young generation
    // small: it handles events one by one, and every megabyte of it is resident memory.
    execArgv: [],
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
    workerData: {
      root,
      recursive: options.recursive,
      polling: options.polling,
      ignorePatterns: options.ignoreNames ?? [],
      // The data folder: events from it are dropped on this side, but the worker must not even
      // walk into it (one OS watch per folder of thumbnails, through a symlink in the tree).
      excluded: excludedFolders(),
      excludedIds: excludedIdentities(),
    },
  });
  let closed = false;
  let ready = false;
  // After start, a crashed worker must not leave the folder silently unwatched: it is reported
  // like any watcher error, and the folder falls back (folder-runner.ts).
  const died = (message: string) => {
    if (closed) return;
    closed = true;
    options.onError(Object.assign(new Error(message), { code: 'EWATCHERDIED' }));
  };
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') {
        ready = true;
        resolve();
      } else if (m.type === 'error')
        options.onError(Object.assign(new Error(m.message), { code: m.code, path: m.path }));
      else if (m.type === 'events')
        for (const [path, type] of m.events) if (!options.ignored(path)) options.onEvent(type, path);
    });
    worker.on('error', (error) =>
      ready ? died(`the folder watcher failed: ${error.message}`) : reject(error),
    );
    worker.once('exit', () => {
      if (!ready) reject(new Error('the folder watcher stopped unexpectedly'));
      else died('the folder watcher stopped unexpectedly');
    });
  });
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      const done = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('close');
      await Promise.race([done, new Promise((r) => setTimeout(r, 2_000))]);
      await worker.terminate();
    },
  };
}
