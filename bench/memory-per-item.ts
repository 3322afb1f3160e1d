/**
 * Memory per queued item and per ledger entry (issue 18): the heap a queue of N watched-folder
 * items and a ledger of N entries hold, after a full collection, divided by N; and the bytes of
 * each on disk. What is kept in memory per item: its record (source path, name, options, origin,
 * state, order) and its few index entries (tally, order, startable set); what is not: its view
 * (made when sent), its progress (only while transferring), its file's bytes and header.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ConfDocumentStore } from '../electron/core/store/conf-document-store.ts';
import { SyncLedger } from '../electron/core/sync/sync-ledger.ts';
import { makeQueue } from '../tests/helpers/queue-harness.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function heapAfterGc(): Promise<number> {
  await new Promise((r) => setImmediate(r));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const FOLDER = '/media/footage';
const rel = (i: number) => `shoot-${Math.floor(i / 2000)}/card-${Math.floor(i / 20)}/clip-${i % 20}.wav`;

/** Heap held by a queue of `n` watched-folder items (kept alive until measured), bytes per item. */
async function queueHeap(dir: string, n: number): Promise<number> {
  const before = await heapAfterGc();
  const h = makeQueue('http://127.0.0.1:9/v1.3', dir);
  h.queue.pauseAll();
  for (let from = 0; from < n; from += 5_000)
    await h.queue.add(
      // As a watched folder hands a batch over (folder-handover.ts): one options object for the
      // batch, the path metadata named by the folder's name and joined when sent.
      ((options) =>
        Array.from({ length: Math.min(5_000, n - from) }, (_, k) => {
          const relativePath = rel(from + k);
          return {
            kind: 'file' as const,
            path: `${FOLDER}/${relativePath}`,
            options,
            origin: { folderId: 'f1', relativePath },
            sourceFolder: 'footage',
          };
        }))({}),
    );
  const after = await heapAfterGc();
  if (h.queue.list().length !== n) throw new Error('the queue lost items');
  await h.close();
  return (after - before) / n;
}

/** Heap held by a ledger of `n` entries (kept alive until measured), bytes per entry. */
async function ledgerHeap(dir: string, n: number): Promise<number> {
  const before = await heapAfterGc();
  const ledger = new SyncLedger(new ConfDocumentStore(dir, 'sync'));
  for (let i = 0; i < n; i++)
    ledger.set('f1', rel(i), {
      size: 1_234_567,
      mtimeMs: 1_764_000_000_000 + i,
      state: 'queued',
      itemId: crypto.randomUUID(),
    });
  await ledger.commit();
  const after = await heapAfterGc();
  if (ledger.counts('f1').queued !== n) throw new Error('the ledger lost entries');
  await ledger.close();
  return (after - before) / n;
}

export async function memoryPerItem(
  dir: string,
  n: number,
): Promise<{ item: number; itemOnDisk: number; entry: number; entryOnDisk: number }> {
  // Each measured apart, what the other held collected first.
  const entry = await ledgerHeap(join(dir, 'ledger'), n);
  const item = await queueHeap(join(dir, 'queue'), n);
  return {
    item,
    itemOnDisk: onDisk(join(dir, 'queue'), 'queue') / n,
    entry,
    entryOnDisk: onDisk(join(dir, 'ledger'), 'sync') / n,
  };
}

/** Bytes of a document and its journal (most of a queue that grew lately is in its journal). */
function onDisk(dir: string, name: string): number {
  const size = (file: string) => {
    try {
      return statSync(join(dir, file)).size;
    } catch {
      return 0; // no journal
    }
  };
  return size(`${name}.json`) + size(`${name}.journal`);
}
