import { watch } from 'chokidar';
import type { FolderWatcher, FolderWatcherOptions } from './folder-watcher.ts';

/**
 * Watches a folder with chokidar. Our own stability rule decides when a file is finished, so
 * awaitWriteFinish is off, and the initial listing is ours too (ignoreInitial), batched.
 */
export async function chokidarWatchFolder(root: string, options: FolderWatcherOptions): Promise<FolderWatcher> {
  const watcher = watch(root, {
    ignoreInitial: true,
    persistent: true,
    depth: options.recursive ? undefined : 0,
    ignored: (path: string) => path !== root && options.ignored(path),
    usePolling: options.polling,
    interval: 2_000,
    binaryInterval: 2_000,
    awaitWriteFinish: false,
    alwaysStat: false,
  });
  for (const type of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const)
    watcher.on(type, (path: string) => options.onEvent(type, path));
  watcher.on('error', (error) => options.onError(error as NodeJS.ErrnoException));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { close: () => watcher.close() };
}
