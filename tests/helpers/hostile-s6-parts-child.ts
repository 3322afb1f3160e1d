/**
 * A document of 12,000 marked entries committed as a journal of several parts (persisted-document.ts
 * appendInParts, 5,000 a time), in a process of its own that SIGKILLs itself the moment the first
 * part is on disk: a crash between two parts of one batch. argv: dataDir.
 * Before the batch: a whole save of 3 entries (`keep-*`), so the batch goes to the journal.
 */
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import type { DocumentChange } from '../../electron/core/store/document-store.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';

const [dataDir] = process.argv.slice(2) as [string];

/** The real store; the process dies once an append of the batch is written and closed. */
class KillAfterFirstPart extends ConfDocumentStore {
  armed = false;
  override async append(changes: DocumentChange[]): Promise<void> {
    await super.append(changes);
    if (this.armed) {
      console.log(`killed after a part of ${changes.length}`);
      process.kill(process.pid, 'SIGKILL');
    }
  }
}

const store = new KillAfterFirstPart(dataDir, 'doc');
const doc = new PersistedDocument<{ items: Record<string, unknown> }>(store, () => ({ items: {} }), 60_000);
for (const key of ['keep-a', 'keep-b', 'keep-c']) doc.data.items[key] = { value: key };
await doc.commit();
for (let i = 0; i < 12_000; i++) {
  doc.data.items[`e${i}`] = { value: i, pad: 'x'.repeat(40) };
  doc.changedAt('items', `e${i}`);
}
// One already saved, changed in this batch: after the crash it is either old or new, never lost.
doc.data.items['keep-b'] = { value: 'changed' };
doc.changedAt('items', 'keep-b');
store.armed = true;
await doc.commitChanges();
console.log('not killed: the batch went in one write');
process.exit(0); // its idle-flush timer would keep it alive for a minute
