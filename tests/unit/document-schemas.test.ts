/**
 * Every persisted document is checked at load: a bad entry is repaired or dropped on its own, the
 * rest is kept, and what happened is said. Real files in a temp folder, through the real store.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mirrorSchema, thumbnailIndexSchema } from '../../electron/core/library/library-schema.ts';
import { ledgerSchema, queueSchema } from '../../electron/core/queue/item-schema.ts';
import { settingsSchema } from '../../electron/core/settings-schema.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import type { DocumentSchema } from '../../electron/core/store/document-schema.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { salvageJson } from '../../electron/core/store/salvage.ts';
import { syncSchema } from '../../electron/core/sync/sync-schema.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let cleanup: () => Promise<void>;
const opened: Array<PersistedDocument<Record<string, unknown>>> = [];
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(async () => {
  for (const doc of opened.splice(0)) await doc.close();
  await cleanup();
});

/** Writes `content` as <name>.json and loads it with `schema`. */
async function load<T extends Record<string, unknown>>(
  name: string,
  schema: DocumentSchema<T>,
  content: unknown,
) {
  await writeFile(join(dir, `${name}.json`), typeof content === 'string' ? content : JSON.stringify(content));
  const doc = new PersistedDocument<T>(new ConfDocumentStore(dir, name), schema);
  opened.push(doc as unknown as PersistedDocument<Record<string, unknown>>);
  return doc;
}

const A1 = '0123456789abcdef01234567';
const A2 = 'fedcba9876543210fedcba98';

const item = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  source: { kind: 'file', path: `/media/${id}.mp4` },
  name: `${id}.mp4`,
  options: {},
  state: 'queued',
  addedAt: 1,
  updatedAt: 1,
  order: 1,
  ...extra,
});

describe('queue.json', () => {
  it('drops a bad item on its own and keeps the others', async () => {
    const doc = await load('queue', queueSchema, {
      version: 1,
      items: {
        good: item('good'),
        nameless: { ...item('nameless'), name: 42 },
        nostate: { ...item('nostate'), state: 'exploded' },
        notanobject: 'x',
      },
      history: [],
      paused: false,
    });
    expect(Object.keys(doc.data.items)).toEqual(['good']);
    expect(doc.recovered).toMatch(/3 queue items could not be read and were dropped/);
    expect(doc.recovered).toContain('"nostate.mp4"');
    expect((await readdir(dir)).some((f) => /^queue\.damaged-.*\.json$/.test(f))).toBe(true);
  });

  it('turns `items: "x"` and `history: null` into an empty queue, and says so', async () => {
    const doc = await load('queue', queueSchema, { version: 1, items: 'x', history: null, paused: 'yes' });
    expect(doc.data.items).toEqual({});
    expect(doc.data.history).toEqual([]);
    expect(doc.data.paused).toBe(false);
    expect(doc.recovered).toMatch(/queue items were unreadable/);
    expect(doc.recovered).toMatch(/history was unreadable/);
  });

  it('keeps ids such as constructor, toString and __proto__ as plain keys', async () => {
    const text = `{"version":1,"paused":false,"history":[],"items":{"constructor":${JSON.stringify(item('constructor'))},"toString":${JSON.stringify(item('toString'))},"__proto__":${JSON.stringify(item('__proto__'))}}}`;
    const doc = await load('queue', queueSchema, text);
    expect(Object.keys(doc.data.items).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(doc.data.items.toString!.name).toBe('toString.mp4');
    expect(Object.getPrototypeOf(doc.data.items)).toBeNull();
    expect(doc.data.items.hasOwnProperty).toBeUndefined();
    expect(doc.recovered).toBeUndefined();
  });

  it('repairs states that would wait for ever and fields that cannot be used', async () => {
    const doc = await load('queue', queueSchema, {
      version: 1,
      paused: false,
      history: [{ itemId: 'h', name: 'h', state: 'ready', finishedAt: 1 }, { broken: true }],
      items: {
        proc: item('proc', { state: 'processing' }), // no asset to follow
        wait: item('wait', { state: 'waiting' }), // no reason, no time
        all: item('all', { state: 'paused', pausedBy: 'all', resumeTo: 'queued' }), // no pause in force
        evil: item('evil', { assetId: '../../etc', size: -1, sha256: 'nope' }),
        moved: item('other-id'),
        later: item('later', {
          state: 'waiting',
          wait: { code: 'rate-limited', message: 'Rate limited', resumeAt: 32_503_680_000_000 }, // year 3000
        }),
      },
    });
    expect(doc.data.items.later!.wait!.resumeAt).toBeLessThanOrEqual(Date.now());
    const items = doc.data.items;
    expect(items.proc!.state).toBe('queued');
    expect(items.wait!.state).toBe('queued');
    expect(items.all!.state).toBe('queued');
    expect(items.evil).not.toHaveProperty('assetId');
    expect(items.evil).not.toHaveProperty('size');
    expect(items.evil).not.toHaveProperty('sha256');
    expect(items.moved!.id).toBe('moved');
    expect(doc.data.history).toHaveLength(1);
    expect(doc.recovered).toMatch(
      /5 queue items had unreadable fields, which were reset: .*"evil\.mp4" \(size, sha256, assetId\)/,
    );
  });

  it('a timed pause that would end later than a week from now stays a pause, without that end', async () => {
    const doc = await load('queue', queueSchema, {
      version: 1,
      items: {},
      history: [],
      paused: true,
      pausedUntil: 32_503_680_000_000,
    });
    expect(doc.data.paused).toBe(true);
    expect(doc.data.pausedUntil).toBeUndefined();
    expect(doc.recovered).toMatch(/the end of the timed pause was unreadable/);
  });

  it('a sound queue loads without a word and without a copy', async () => {
    const doc = await load('queue', queueSchema, {
      version: 1,
      items: { a: item('a') },
      history: [],
      paused: true,
      pausedUntil: 5,
    });
    expect(doc.recovered).toBeUndefined();
    expect(doc.data.pausedUntil).toBe(5);
    expect(await readdir(dir)).toEqual(['queue.json']);
  });
});

describe('the other documents', () => {
  it('ledger.json: entries with a bad hash or asset id are dropped', async () => {
    const good = 'a'.repeat(64);
    const doc = await load('ledger', ledgerSchema, {
      version: 1,
      byHash: {
        [good]: { assetId: '0123456789abcdef01234567', name: 'a', size: 1, uploadedAt: 1 },
        short: { assetId: 'x', name: 'a', size: 1, uploadedAt: 1 },
        ['b'.repeat(64)]: { assetId: '../x', name: 'a', size: 1, uploadedAt: 1 },
        '\u001b[2J\nfake line': { assetId: A1, name: 'a', size: 1, uploadedAt: 1 },
      },
    });
    // Named escaped: a key from a damaged file never writes terminal escapes or lines of its own.
    expect(doc.recovered).not.toMatch(/[\u001b\n]/);
    expect(doc.recovered).toContain('"\\u001b[2J\\nfake line"');
    expect(Object.keys(doc.data.byHash)).toEqual([good]);
    expect(doc.recovered).toMatch(/3 uploaded-content records could not be read/);
    expect(doc.recovered).not.toContain(good);
  });

  it('library.json: `pendingDeletes: null` and a foreign thumbnail path are repaired', async () => {
    const doc = await load('library', mirrorSchema, {
      version: 1,
      assets: {
        [A1]: { id: A1, status: 'ready', deleting: true, thumbnailPath: '/etc/passwd' },
        [A2]: { id: A1, status: 'ready' },
        '../x': { id: '../x', status: 'ready' },
        constructor: { id: 'constructor' },
      },
      pendingDeletes: null,
      lastFullSyncAt: 32_503_680_000_000, // the year 3000: no full sync would be due before then
    });
    expect(doc.data.lastFullSyncAt).toBeUndefined();
    expect(Object.keys(doc.data.assets)).toEqual([A1]);
    expect(doc.data.assets[A1]).not.toHaveProperty('thumbnailPath');
    expect(doc.data.assets[A1]!.deleting).toBeUndefined();
    expect(doc.data.pendingDeletes).toEqual({});
    expect(doc.recovered).toMatch(/deletes waiting for the network were unreadable/);
  });

  it('library.json saved before the clock was set back: its sync times are forgotten, not called damage', async () => {
    const tomorrow = Date.now() + 24 * 3_600_000;
    const doc = await load('library', mirrorSchema, {
      version: 1,
      assets: { [A1]: { id: A1, status: 'ready' } },
      pendingDeletes: {},
      lastSyncedAt: tomorrow,
      lastFullSyncAt: tomorrow,
    });
    expect(doc.recovered).toBeUndefined();
    expect(doc.data.lastSyncedAt).toBeUndefined(); // the next sync is a full one
    expect(doc.data.lastFullSyncAt).toBeUndefined();
    expect(Object.keys(doc.data.assets)).toEqual([A1]);
  });

  it('thumbnails.json: `entries: null` and file names that leave the cache folder', async () => {
    const none = await load('thumbnails', thumbnailIndexSchema, { version: 1, entries: null });
    expect(none.data.entries).toEqual({});
    expect(none.recovered).toMatch(/cached thumbnails were unreadable/);
    const doc = await load('thumbnails', thumbnailIndexSchema, {
      version: 1,
      entries: {
        [A1]: { file: `${A1}.img`, size: 1, lastUsed: 1 },
        [A2]: { file: '../../x', size: 1, lastUsed: 1 },
        '../x': { file: 'x.img', size: 1, lastUsed: 1 },
      },
    });
    expect(Object.keys(doc.data.entries)).toEqual([A1]);
  });

  it('sync.json: a file entry outside its folder is dropped, a bad setting goes back to its default', async () => {
    const doc = await load('sync', syncSchema, {
      version: 1,
      folders: [
        {
          id: 'f1',
          path: '/media/in',
          paused: false,
          addedAt: 1,
          recursive: 'yes',
          kinds: ['video'],
          stabilityMs: 1,
        },
        { id: 'f2', path: 'relative/path', paused: false, addedAt: 1 },
      ],
      files: {
        f1: {
          'a.mp4': { size: 1, mtimeMs: 1, state: 'uploaded' },
          '../../etc/passwd': { size: 1, mtimeMs: 1, state: 'queued' },
          constructor: { size: 2, mtimeMs: 1, state: 'queued' },
        },
      },
    });
    expect(doc.data.folders.map((f) => f.id)).toEqual(['f1']);
    expect(doc.data.folders[0]!.recursive).toBe(true);
    expect(doc.data.folders[0]!.kinds).toEqual(['video']);
    expect(doc.data.folders[0]!.stabilityMs).toBe(3_000);
    expect(Object.keys(doc.data.files.f1!).sort()).toEqual(['a.mp4', 'constructor']);
    expect(doc.recovered).toMatch(/1 watched folder could not be read/);
    expect(doc.recovered).toMatch(/not a path inside the folder/);
  });

  it('settings.json: values the app would refuse go back to their defaults', async () => {
    const defaults = { concurrency: 3, chunkConcurrency: 4, sandbox: false, librarySyncIntervalMs: 60_000 };
    const doc = await load('settings', settingsSchema(defaults), {
      concurrency: 0,
      chunkConcurrency: 'many',
      sandbox: true,
      librarySyncIntervalMs: 1,
    });
    expect(doc.data).toMatchObject({
      concurrency: 3,
      chunkConcurrency: 4,
      sandbox: true,
      librarySyncIntervalMs: 60_000,
    });
    expect(doc.recovered).toMatch(
      /3 settings were unreadable and put back to the default: concurrency \(was 0\)/,
    );
  });
});

describe('salvage', () => {
  const entriesOnly = (path: readonly string[]) => path.length < 2;

  it('keeps whole entries before a cut, never a half entry', () => {
    const text = '{"version":1,"items":{"a":{"n":1,"s":"x"},"b":{"n":2,"s":"y"},"c":{"n":3,"s":"z';
    const salvaged = salvageJson(text, entriesOnly);
    expect(JSON.parse(JSON.stringify(salvaged))).toEqual({
      version: 1,
      items: { a: { n: 1, s: 'x' }, b: { n: 2, s: 'y' } },
    });
  });

  it('does not keep a number that may itself be cut, nor a string cut mid-escape', () => {
    expect(JSON.parse(JSON.stringify(salvageJson('{"a":1,"b":12', entriesOnly)))).toEqual({ a: 1 });
    expect(JSON.parse(JSON.stringify(salvageJson('{"a":"x","b":"y\\', entriesOnly)))).toEqual({ a: 'x' });
  });

  it('gives up on what is not an object, and on nesting no document has', () => {
    expect(salvageJson('\u0000garbage', entriesOnly)).toBeUndefined();
    expect(salvageJson('[1,2', entriesOnly)).toBeUndefined();
    // 100,000 nested lists: no stack overflow, and what came before is kept.
    expect(salvageJson(`{"a":1,"b":${'['.repeat(100_000)}`, () => true)).toMatchObject({ a: 1 });
  });

  it('reads __proto__ as a key, not as a prototype', () => {
    const salvaged = salvageJson('{"__proto__":{"polluted":1},"x":{"__proto__":{"polluted":2}}', () => true)!;
    expect(Object.keys(salvaged)).toEqual(['__proto__', 'x']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
