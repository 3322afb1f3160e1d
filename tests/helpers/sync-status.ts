import { silentLogger, type Logger } from '../../electron/core/ports.ts';
import type { UploadQueue } from '../../electron/core/queue/upload-queue.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { FolderSync } from '../../electron/core/sync/folder-sync.ts';
import type { FolderStatus } from '../../electron/shared/sync-types.ts';

/** The first folder's status once `predicate` holds (polled every 50 ms), or a rejection saying the last one. */
export function statusWhere(
  sync: FolderSync,
  predicate: (s: FolderStatus) => boolean,
  timeoutMs = 30_000,
): Promise<FolderStatus> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = sync.statuses()[0];
      if (s && predicate(s)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(s);
      }
    };
    const poll = setInterval(check, 50);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`folder status never matched: ${JSON.stringify(sync.statuses()[0])}`));
    }, timeoutMs);
    check();
  });
}

/** FolderSync over `queue`, its watched folders saved in `dataDir`, started (quiet unless a test asks). */
export async function startFolderSync(queue: UploadQueue, dataDir: string, logger: Logger = silentLogger) {
  const sync = new FolderSync({ queue, store: new ConfDocumentStore(dataDir, 'sync'), logger });
  await sync.start();
  return sync;
}
