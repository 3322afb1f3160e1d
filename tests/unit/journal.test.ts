/** The document journal on real files: what is appended is what loads, torn or stale lines aside. */
import { appendFile, chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

type Doc = { items: Record<string, { state: string; note?: string }>; paused: boolean } & Record<
  string,
  unknown
>;

let dir: string;
useTempDirPerTest((path) => (dir = path));

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

  it('journals 12,000 changes marked at once in parts, not in a whole save, and loads them all', async () => {
    const doc = open();
    await doc.commit();
    for (let i = 0; i < 12_000; i++) {
      doc.data.items[`f${i}`] = { state: 'queued' };
      doc.changedAt('items', `f${i}`);
    }
    await doc.commitChanges();
    // Three parts of at most 5,000 (the previous code saved the whole document past 5,000).
    expect({ writes: doc.writes, appends: doc.appends }).toEqual({ writes: 1, appends: 3 });
    expect(Object.keys(reload().items as object)).toHaveLength(12_000);
    await doc.close();
  });

  it('ends a part-written batch in a whole save once the journal passes its limit', async () => {
    const doc = open();
    await doc.commit();
    // ~1 KB per change: the first part of 5,000 takes the journal past 4 MiB plus twice the
    // (tiny) document, so the rest is saved whole rather than journaled.
    const note = 'n'.repeat(1_000);
    for (let i = 0; i < 9_000; i++) {
      doc.data.items[`f${i}`] = { state: 'queued', note };
      doc.changedAt('items', `f${i}`);
    }
    await doc.commitChanges();
    expect({ writes: doc.writes, appends: doc.appends }).toEqual({ writes: 2, appends: 1 });
    expect(Object.keys(reload().items as object)).toHaveLength(9_000);
    await doc.close();
  });

  it('keeps what a cut document still holds, applies its journal, and keeps a dated copy', async () => {
    const doc = open();
    for (const id of ['a', 'b', 'c']) doc.data.items[id] = { state: 'queued', note: id.repeat(50) };
    await doc.commit();
    doc.data.items.d = { state: 'queued' };
    doc.changedAt('items', 'd');
    await doc.commitChanges();
    await doc.close();
    const whole = await readFile(join(dir, 'queue.json'), 'utf8');
    await chmod(join(dir, 'queue.json'), 0o644); // as an older version left it
    // Cut inside item c: a and b are whole, c is not kept half-read, d comes from the journal.
    await writeFile(join(dir, 'queue.json'), whole.slice(0, whole.indexOf('"c"') + 20));

    const again = open();
    expect(Object.keys(again.data.items).sort()).toEqual(['a', 'b', 'd']);
    expect(again.data.items.a).toEqual({ state: 'queued', note: 'a'.repeat(50) });
    expect(again.recovered).toMatch(/queue\.json was damaged \(cut short, or not JSON\)/);
    const copy = (await readdir(dir)).find((f) => /^queue\.damaged-.+\.json$/.test(f));
    expect(copy).toBeDefined();
    if (process.platform !== 'win32') expect((await stat(join(dir, copy!))).mode & 0o077).toBe(0);
    expect(again.recovered).toContain(copy);
    expect(await readFile(join(dir, copy!), 'utf8')).toBe(whole.slice(0, whole.indexOf('"c"') + 20));
    // The repaired document replaces the damaged one, whole, and loads clean.
    await again.close();
    expect(again.writes).toBe(1);
    const third = open();
    expect(third.recovered).toBeUndefined();
    expect(Object.keys(third.data.items).sort()).toEqual(['a', 'b', 'd']);
    await third.close();
  });

  it.each([
    ['null', 'null'],
    ['a list', '[]'],
    ['a string', '"x"'],
    ['random bytes', '\u0000\u00ff\u0013garbage\u0007'],
    ['nothing', ''],
  ])('starts from the journal when the document holds %s', async (_what, content) => {
    const doc = open();
    doc.data.items.a = { state: 'queued' };
    await doc.commit();
    doc.data.items.b = { state: 'uploading' };
    doc.changedAt('items', 'b');
    await doc.commitChanges();
    await doc.close();
    await writeFile(join(dir, 'queue.json'), content);
    const again = open();
    // a was only in the document: lost, and said; b is salvaged from the journal.
    expect(again.data.items).toEqual({ b: { state: 'uploading' } });
    expect(again.recovered).toMatch(/^The document was damaged: queue\.json (held|was)/);
    await again.close();
  });

  it('refuses journal lines that reach a prototype or name a foreign key, and keeps the rest', async () => {
    const doc = open();
    doc.data.items.a = { state: 'queued' };
    await doc.commit();
    await doc.close();
    await appendFile(
      join(dir, 'queue.journal'),
      [
        '{"p":["__proto__","polluted"],"v":"yes"}',
        '{"p":["items","__proto__","polluted"],"v":"yes"}',
        '{"p":["constructor","prototype","polluted"],"v":"yes"}',
        '{"p":["evil"],"v":"smuggled"}',
        'not json at all',
        '{"p":"items","v":1}',
        '{"p":["items","b"],"v":{"state":"queued"}}',
        '',
      ].join('\n'),
    );
    const again = open();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(again.data).not.toHaveProperty('evil');
    expect(Object.getPrototypeOf(again.data.items)).toBe(Object.prototype);
    expect((again.data.items as Record<string, unknown>).polluted).toBeUndefined();
    // The whole line after the bad ones still counts.
    expect(Object.keys(again.data.items).sort()).toEqual(['a', 'b']);
    expect(again.recovered).toMatch(/6 lines of queue\.journal could not be used/);
    await again.close();
  });

  it('salvages a deleted document from its journal, and says so', async () => {
    const doc = open();
    await doc.commit();
    doc.data.items.x = { state: 'queued' };
    doc.changedAt('items', 'x');
    await doc.commitChanges();
    await doc.close();
    await rm(join(dir, 'queue.json'));
    const again = open();
    expect(again.data.items).toEqual({ x: { state: 'queued' } });
    expect(again.recovered).toMatch(/queue\.json was missing; 1 change was recovered from its journal/);
    await again.close();
  });

  it('moves a folder found where the document or its journal should be, and saves again', async () => {
    await mkdir(join(dir, 'queue.json'));
    await mkdir(join(dir, 'queue.journal'));
    const doc = open();
    expect(doc.recovered).toMatch(/queue\.json could not be read \(EISDIR\)/);
    expect(doc.recovered).toMatch(/queue\.journal is a folder/);
    doc.data.items.a = { state: 'queued' };
    doc.changedAt('items', 'a');
    await doc.commitChanges();
    await doc.close();
    expect(reload()).toEqual({ items: { a: { state: 'queued' } }, paused: false });
    expect((await readdir(dir)).filter((f) => f.includes('.damaged-')).length).toBe(2);
  });

  it('says when a document or its journal was deleted, even one with nothing to recover', async () => {
    const doc = open();
    doc.data.items.a = { state: 'queued' };
    await doc.commit();
    await doc.close();
    await rm(join(dir, 'queue.journal'));
    const noJournal = open();
    expect(noJournal.recovered).toMatch(
      /queue\.journal was missing: changes made since the last full save are lost/,
    );
    expect(noJournal.data.items).toEqual({ a: { state: 'queued' } });
    await noJournal.close(); // saves again, with a journal
    await rm(join(dir, 'queue.json'));
    const noDocument = open();
    expect(noDocument.recovered).toMatch(/queue\.json was missing; 0 changes were recovered/);
    await noDocument.close();
  });

  it('says a valid JSON object with none of the fields is damage, not an empty document', async () => {
    await writeFile(join(dir, 'queue.json'), '{"something":"else"}');
    const doc = open();
    expect(doc.recovered).toMatch(/queue\.json held none of the fields/);
    expect(doc.data.items).toEqual({});
    await doc.close();
  });
});
