/**
 * The upload queue as its own process, SIGKILLed the moment the upload ledger has written down a
 * created asset: between "the ledger knows the asset" and "the queue item knows it" when those are
 * two writes (the window a loaded machine widens). argv: baseUrl dataDir manifest.json [kill].
 * Without `kill` it runs to the end and prints "idle <states>", as queue-child.ts does.
 */
import { readFile } from 'node:fs/promises';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import type { DocumentChange } from '../../electron/core/store/document-store.ts';
import { makeQueue, runChildQueueToIdle } from './queue-harness.ts';

const [baseUrl, dataDir, manifestPath, kill] = process.argv.slice(2) as [string, string, string, string?];
const files = JSON.parse(await readFile(manifestPath, 'utf8')) as string[];

/** The ledger's store: once a write holding an asset is on disk, the process dies at once. */
class KillAfterLedgerWrite extends ConfDocumentStore {
  override async save(data: Record<string, unknown>): Promise<void> {
    await super.save(data);
    if (Object.keys((data.byHash as object | undefined) ?? {}).length > 0) die();
  }
  override async append(changes: DocumentChange[]): Promise<void> {
    await super.append(changes);
    if (changes.length > 0) die();
  }
}
function die(): never {
  console.log('killed after the ledger write');
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent');
}

const { queue, close } = makeQueue(baseUrl, dataDir, {
  openStore: (dir, name) =>
    kill && name === 'ledger' ? new KillAfterLedgerWrite(dir, name) : new ConfDocumentStore(dir, name),
});
await runChildQueueToIdle({ queue, close }, files);
