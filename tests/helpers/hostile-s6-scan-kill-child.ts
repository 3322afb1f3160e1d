/**
 * A watched folder's first scan in a process of its own (the real queue, FolderSync, scan thread
 * and stores), SIGKILLed the moment the queue's write of the first handed-over items is on disk:
 * the crash between "the queue saved the items" and "the folder's ledger saved them" (its write
 * comes up to a second later). argv: dataDir watchedFolder.
 */
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import type { DocumentChange } from '../../electron/core/store/document-store.ts';
import { startFolderSync } from './sync-status.ts';
import { makeQueue } from './queue-harness.ts';

const [dataDir, watched] = process.argv.slice(2) as [string, string];

function die(what: string): never {
  console.log(`killed after ${what}`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent');
}

/** The queue's real store; the process dies once a write holding items is on disk. */
class KillAfterItems extends ConfDocumentStore {
  override async save(data: Record<string, unknown>): Promise<void> {
    await super.save(data);
    if (Object.keys((data.items as object | undefined) ?? {}).length > 0) die('a whole save with items');
  }
  override async append(changes: DocumentChange[]): Promise<void> {
    await super.append(changes);
    const items = changes.filter((change) => change.path[0] === 'items' && !change.removed).length;
    if (items > 0) die(`an append of ${items} items`);
  }
}

const harness = makeQueue('http://127.0.0.1:9/v1.3', dataDir, {
  openStore: (dir, name) =>
    name === 'queue' ? new KillAfterItems(dir, name) : new ConfDocumentStore(dir, name),
});
harness.queue.start();
const sync = await startFolderSync(harness.queue, dataDir);
await sync.addFolder(watched, { stabilityMs: 200 });
console.log('added the folder');
