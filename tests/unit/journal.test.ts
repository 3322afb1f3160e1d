/** The document journal on real files: what is appended is what loads, torn or stale lines aside. */
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

type Doc = { items: Record<string, { state: string; note?: string }>; paused: boolean } & Record<
  string,
  unknown
>;

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(async () => {
  await cleanup();
});

const open = () =>
  new PersistedDocument<Doc>(new ConfDocumentStore(dir, 'queue'), () => ({ items: {}, paused: false }));
const reload = () => new ConfDocumentStore(dir, 'queue').load().data;

describe('document journal', () => {
  it('saves marked changes as journal lines, and loads the save with them applied', async () => {
    const doc = open();
    doc.data.items.a = { state: 'queued' };
    doc.data.items.b = { state: 'queued' };
    await doc.commit(); // a whole save starts the journal
    expect(doc.writes).toBe(1);

    doc.data.items.a.state = 'uploading';
    doc.changedAt('items', 'a');
    delete doc.data.items.b;
    doc.changedAt('items', 'b');
    doc.data.items.c = { state: 'queued', note: 'new' };
    doc.changedAt('items', 'c');
    doc.data.paused = true;
    doc.changedAt('paused');
    await doc.commitChanges();
    expect({ writes: doc.writes, appends: doc.appends }).toEqual({ writes: 1, appends: 1 });
    expect(JSON.parse(await readFile(join(dir, 'queue.json'), 'utf8')).items.a.state).toBe('queued');

    expect(reload()).toEqual({
      items: { a: { state: 'uploading' }, c: { state: 'queued', note: 'new' } },
      paused: true,
    });
    await doc.close();
  });

  it('ignores a line torn by a crash, and a journal left from before the last save', async () => {
    const doc = open();
    doc.data.items.a = { state: 'queued' };
    await doc.commit();
    doc.data.items.a.state = 'processing';
    doc.changedAt('items', 'a');
    await doc.commitChanges();
    await doc.close();
    await appendFile(join(dir, 'queue.journal'), '{"p":["items","a"],"v":{"state":"fail');
    expect(reload().items).toEqual({ a: { state: 'processing' } });

    // A save that finished while its new journal was never started: the old journal is stale.
    const journal = await readFile(join(dir, 'queue.journal'), 'utf8');
    const again = open();
    again.data.items.a!.state = 'ready';
    await again.commit();
    await again.close();
    await writeFile(join(dir, 'queue.journal'), journal);
    expect(reload().items).toEqual({ a: { state: 'ready' } });
  });

  it('after a torn line, starts a new journal instead of writing behind it', async () => {
    const doc = open();
    doc.data.items.a = { state: 'queued' };
    await doc.commit();
    await doc.close();
    await appendFile(join(dir, 'queue.journal'), '{"p":["items","a"],"v":{"sta'); // killed mid-append

    // The next run changes an item: that change must survive the run after it.
    const next = open();
    next.data.items.a!.state = 'uploading';
    next.changedAt('items', 'a');
    await next.commitChanges();
    await next.close();
    expect(next.writes).toBe(1); // a whole save, not a line glued to the torn one
    expect(reload().items).toEqual({ a: { state: 'uploading' } });

    const third = open();
    third.data.items.a!.state = 'processing';
    third.changedAt('items', 'a');
    await third.commitChanges();
    await third.close();
    expect(third.appends).toBe(1);
    expect(reload().items).toEqual({ a: { state: 'processing' } });
  });

  it('folds a long journal into a whole save', async () => {
    const doc = open();
    await doc.commit();
    const note = 'x'.repeat(100_000);
    for (let i = 0; i < 60; i++) {
      doc.data.items[`i${i}`] = { state: 'queued', note };
      doc.changedAt('items', `i${i}`);
      await doc.commitChanges();
    }
    // 6 MB of journal over a small document: folded once it passed 4 MiB plus the document.
    expect(doc.writes).toBe(2);
    expect((await readFile(join(dir, 'queue.journal'), 'utf8')).length).toBeLessThan(2_000_000);
    expect(Object.keys(reload().items as object)).toHaveLength(60);
    await doc.close();
  });

  it('sets a damaged document aside together with its journal', async () => {
    const doc = open();
    doc.data.items.a = { state: 'queued' };
    await doc.commit();
    doc.changedAt('items', 'a');
    await doc.commitChanges();
    await doc.close();
    await writeFile(join(dir, 'queue.json'), '{ broken');
    const { data, recovered } = new ConfDocumentStore(dir, 'queue').load();
    expect(data).toEqual({});
    expect(recovered).toMatch(/could not be read/);
    const files = await readdir(dir);
    expect(files.some((f) => /^queue\.json\.corrupt-\d+\.journal$/.test(f))).toBe(true);
    expect(files).not.toContain('queue.journal');
  });
});
