/**
 * A journal that is there but cannot be read was passed over (its read error swallowed): with no
 * permission to read it, the document loaded as if nothing had changed since its last full save,
 * without a word. It is now one of the load's problems, with its error code, said like a document
 * that cannot be read. A link to itself stands in for "cannot be read" because it fails (ELOOP)
 * even for root, which a chmod 000 file does not; before, that one was called "missing".
 */
import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

interface Doc extends Record<string, unknown> {
  items: Record<string, { state: string }>;
}

let dir: string;
useTempDirPerTest((path) => (dir = path));

it('says a journal that cannot be read, and loads the last full save', async () => {
  const doc = new PersistedDocument<Doc>(new ConfDocumentStore(dir, 'queue'), () => ({ items: {} }));
  doc.data.items.a = { state: 'queued' };
  await doc.commit(); // the whole save, and a journal after it
  doc.data.items.a.state = 'uploading';
  doc.changedAt('items', 'a');
  await doc.commitChanges(); // a journal line
  await doc.close();

  const journal = join(dir, 'queue.journal');
  await rm(journal);
  await symlink(journal, journal);

  const loaded = new ConfDocumentStore(dir, 'queue').load();
  expect(loaded.data).toEqual({ items: { a: { state: 'queued' } } });
  expect(loaded.problems).toEqual([
    'queue.journal could not be read (ELOOP): changes made since the last full save are lost',
  ]);
});
