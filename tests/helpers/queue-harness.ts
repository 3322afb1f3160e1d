import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import type { QueueItemView } from '../../electron/shared/queue-types.ts';
import { UploadLedger } from '../../electron/core/queue/upload-ledger.ts';
import { UploadQueue, type UploadQueueOptions } from '../../electron/core/queue/upload-queue.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { silentLogger } from '../../electron/core/ports.ts';

export const FAST = { maxAttempts: 2, maxTotalMs: 2_000, baseDelayMs: 20, maxDelayMs: 100 };

/**
 * A real queue on real conf files in `dataDir`, talking to `baseUrl`. `openStore` opens its two
 * documents (the queue's and the ledger's): a test's own store, such as one on a disk that fills.
 */
export function makeQueue(
  baseUrl: string,
  dataDir: string,
  overrides: Partial<UploadQueueOptions> & {
    apiKey?: () => string;
    openStore?: (dataDir: string, name: string) => ConfDocumentStore;
  } = {},
): { queue: UploadQueue; client: UndiciTwelveLabsClient; ledger: UploadLedger; close: () => Promise<void> } {
  const { openStore = (dir, name) => new ConfDocumentStore(dir, name), ...queueOverrides } = overrides;
  const client = new UndiciTwelveLabsClient({
    baseUrl,
    apiKey: overrides.apiKey ?? (() => 'test-key'),
    backoff: FAST,
    // Quiet unless a test asks: the core's default logger writes every fault a test injects to stderr.
    logger: overrides.logger ?? silentLogger,
    // One clock for the app, as in the app (a test's skewed clock is the client's too).
    clock: overrides.clock,
  });
  const ledger = new UploadLedger(openStore(dataDir, 'ledger'));
  const queue = new UploadQueue({
    client,
    ledger,
    store: openStore(dataDir, 'queue'),
    logger: silentLogger,
    pollInitialMs: 20,
    pollMaxMs: 100,
    probeIntervalMs: 200,
    sourceCheckIntervalMs: 200,
    ...queueOverrides,
  });
  return {
    queue,
    client,
    ledger,
    close: async () => {
      await queue.stop();
      await ledger.close();
      await client.close();
    },
  };
}

/** Resolves when `predicate` holds for the queue's items, checking on every change. */
export function waitFor(
  queue: UploadQueue,
  predicate: (items: QueueItemView[]) => boolean,
  timeoutMs = 30_000,
): Promise<QueueItemView[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const items = queue.list();
      if (predicate(items)) {
        cleanup();
        resolve(items);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(
          `timed out; states: ${queue
            .list()
            .map((i) => `${i.name}:${i.state}${i.error ? `(${i.error})` : ''}`)
            .join(', ')}`,
        ),
      );
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      queue.off('item-changed', check);
      queue.off('item-added', check);
    };
    queue.on('item-changed', check);
    queue.on('item-added', check);
    check();
  });
}

export const allIn =
  (...states: string[]) =>
  (items: QueueItemView[]) =>
    items.length > 0 && items.every((i) => states.includes(i.state));

/**
 * A queue child's whole run (queue-child.ts, ledger-kill-child.ts): start, add the files on the
 * first run only (a restart resumes what was saved), wait until idle, close, and print
 * "idle <states>" for the parent test to read.
 */
export async function runChildQueueToIdle(
  { queue, close }: { queue: UploadQueue; close: () => Promise<void> },
  files: string[],
): Promise<void> {
  queue.start();
  if (queue.list().length === 0) await queue.add(files.map((path) => ({ kind: 'file' as const, path })));
  await queue.whenIdle();
  const states = queue.list().map((i) => i.state);
  await close();
  console.log(`idle ${JSON.stringify(states)}`);
}
