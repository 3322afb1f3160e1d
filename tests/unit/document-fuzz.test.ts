/**
 * Hostile documents beyond the listed cases: every persisted document's schema is fed a few
 * hundred seeded mutations of a sound document (any value anywhere replaced by null, a list, a
 * number, a huge string, a `__proto__` object, ...). Loading never throws, never touches a
 * prototype, and what it keeps is sound: loading it again finds nothing to say.
 */
import { appendFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { mirrorSchema, thumbnailIndexSchema } from '../../electron/core/library/library-schema.ts';
import { ledgerSchema, queueSchema } from '../../electron/core/queue/item-schema.ts';
import { settingsSchema } from '../../electron/core/settings-schema.ts';
import type { DocumentSchema } from '../../electron/core/store/document-schema.ts';
import type { DocumentStore, LoadedDocument } from '../../electron/core/store/document-store.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { syncSchema } from '../../electron/core/sync/sync-schema.ts';
import { DEFAULT_FOLDER_SETTINGS } from '../../electron/shared/sync-types.ts';
import { prng } from '../helpers/serve-client.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const A1 = '0123456789abcdef01234567';
const HASH = 'c'.repeat(64);

/** A store that holds one document in memory, as text, the way a file would. */
class TextStore implements DocumentStore {
  constructor(
    readonly name: string,
    public text: string,
  ) {}
  load(): LoadedDocument {
    return { data: JSON.parse(this.text) as Record<string, unknown>, existed: true };
  }
  save(data: Record<string, unknown>): void {
    this.text = JSON.stringify(data);
  }
}

const item = {
  id: 'i1',
  source: { kind: 'file', path: '/media/a.mp4' },
  name: 'a.mp4',
  options: { userMetadata: { a: 1 } },
  state: 'processing',
  assetId: A1,
  addedAt: 1,
  updatedAt: 2,
  order: 1,
  size: 10,
  sha256: HASH,
  wait: { code: 'offline', message: 'Offline', resumeAt: 5 },
  multipart: {
    uploadId: 'u1',
    assetId: A1,
    path: '/media/a.mp4',
    size: 10,
    chunkSize: 5,
    totalChunks: 2,
    uploadHeaders: {},
    chunks: { '1': { etag: 'e', reported: true } },
  },
};

const SAMPLES: Array<[string, DocumentSchema<Record<string, unknown>>, Record<string, unknown>]> = [
  [
    'queue',
    queueSchema as never,
    {
      version: 1,
      items: { i1: item },
      history: [{ itemId: 'i0', name: 'b', state: 'ready', finishedAt: 1 }],
      paused: true,
      pausedUntil: Date.now() + 60_000,
    },
  ],
  [
    'ledger',
    ledgerSchema as never,
    { version: 1, byHash: { [HASH]: { assetId: A1, name: 'a', size: 1, uploadedAt: 1 } } },
  ],
  [
    'library',
    mirrorSchema as never,
    {
      version: 1,
      assets: { [A1]: { id: A1, status: 'ready', size: 3, hls: { status: 'ready' }, deleting: true } },
      pendingDeletes: { [A1]: { force: false, requestedAt: 1 } },
      lastSyncedAt: 1,
      lastFullSyncAt: 1,
    },
  ],
  [
    'thumbnails',
    thumbnailIndexSchema as never,
    { version: 1, entries: { [A1]: { file: `${A1}.img`, size: 1, lastUsed: 1 } } },
  ],
  [
    'sync',
    syncSchema as never,
    {
      version: 1,
      folders: [{ ...DEFAULT_FOLDER_SETTINGS, id: 'f1', path: '/media', paused: false, addedAt: 1 }],
      files: { f1: { 'a/b.mp4': { size: 1, mtimeMs: 1, state: 'uploaded', assetId: A1, replaced: [A1] } } },
    },
  ],
  [
    'settings',
    settingsSchema({
      baseUrl: 'https://api.twelvelabs.io/v1.3',
      sandbox: false,
      concurrency: 3,
      chunkConcurrency: 4,
      bandwidthBytesPerSecond: 0,
      bandwidthSchedule: [] as unknown[],
      folderBandwidthBytesPerSecond: 0,
      defaultOptions: { enableThumbnail: true },
      librarySyncIntervalMs: 60_000,
      thumbnailCacheBytes: 500_000_000,
    }) as never,
    {
      baseUrl: 'https://api.twelvelabs.io/v1.3',
      sandbox: false,
      concurrency: 3,
      chunkConcurrency: 4,
      bandwidthBytesPerSecond: 0,
      bandwidthSchedule: [{ days: [1, 2], from: '09:00', to: '18:00', bytesPerSecond: 1000 }],
      folderBandwidthBytesPerSecond: 0,
      defaultOptions: { enableThumbnail: true },
      librarySyncIntervalMs: 60_000,
      thumbnailCacheBytes: 500_000_000,
    },
  ],
];

const HOSTILE: unknown[] = [
  null,
  [],
  {},
  'x',
  '',
  -1,
  0,
  1e308,
  true,
  [null, 'x', 1],
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  'y'.repeat(20_000),
  { nested: { deeper: [{}] } },
];

/** Every path to a value in `value`, the root's own keys first. */
function paths(value: unknown, at: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [at];
  const own = Object.keys(value).flatMap((key) =>
    paths((value as Record<string, unknown>)[key], [...at, key]),
  );
  return at.length === 0 ? own : [at, ...own];
}

function mutate(doc: Record<string, unknown>, random: () => number): Record<string, unknown> {
  const copy = structuredClone(doc);
  const all = paths(copy);
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const path = all[Math.floor(random() * all.length)]!;
    // An earlier mutation may have replaced what this path goes through: then it is skipped.
    let node: unknown = copy;
    for (const key of path.slice(0, -1))
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    if (node === null || typeof node !== 'object') continue;
    const last = path[path.length - 1]!;
    const pick = HOSTILE[Math.floor(random() * HOSTILE.length)];
    if (random() < 0.1) delete (node as Record<string, unknown>)[last];
    else
      Object.defineProperty(node, last, {
        value: structuredClone(pick),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return copy;
}

describe('every document, fed hostile mutations', () => {
  for (const [name, schema, sample] of SAMPLES)
    it(`${name}: loads without throwing, keeps only what is sound, and is sound when loaded again`, async () => {
      const random = prng(name.length * 7919).next;
      expect(
        new PersistedDocument(new TextStore(name, JSON.stringify(sample)), schema).recovered,
      ).toBeUndefined();
      let damaged = 0;
      for (let round = 0; round < 300; round++) {
        const text = JSON.stringify(mutate(sample, random));
        const store = new TextStore(name, text);
        const doc = new PersistedDocument(store, schema);
        if (doc.recovered) damaged++;
        await doc.close(); // saves the repaired document, as the app does
        expect(({} as Record<string, unknown>).polluted, text).toBeUndefined();
        const again = new PersistedDocument(store, schema);
        expect(again.recovered, `${text}\n→ ${store.text}`).toBeUndefined();
        await again.close();
      }
      // The mutations bite: most rounds find something to repair (the rest changed nothing that matters).
      expect(damaged).toBeGreaterThan(150);
    });
});

describe('a journal of hostile lines', () => {
  it('any path, any value: applied only where the document allows, never to a prototype', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const { next: random, pick } = prng(4242);
      const keys = [
        'items',
        'i1',
        'i2',
        '__proto__',
        'constructor',
        'prototype',
        'history',
        'paused',
        'state',
        '0',
      ];
      for (let round = 0; round < 40; round++) {
        const doc = new PersistedDocument(new ConfDocumentStore(dir, 'queue'), queueSchema);
        doc.data.items.i1 = structuredClone(item) as never;
        doc.changedAt('items', 'i1');
        await doc.commit();
        await doc.close();
        const lines: string[] = [];
        for (let n = 0; n < 20; n++) {
          const path = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(keys));
          lines.push(
            random() < 0.2
              ? JSON.stringify({ p: path, d: 1 })
              : JSON.stringify({ p: path, v: pick(HOSTILE) }),
          );
        }
        await appendFile(`${dir}/queue.journal`, `${lines.join('\n')}\n`);
        const loaded = new PersistedDocument(new ConfDocumentStore(dir, 'queue'), queueSchema);
        expect(({} as Record<string, unknown>).polluted, lines.join('\n')).toBeUndefined();
        expect(Object.getPrototypeOf(loaded.data.items)).toBeNull();
        await loaded.close();
        const again = new PersistedDocument(new ConfDocumentStore(dir, 'queue'), queueSchema);
        expect(again.recovered, lines.join('\n')).toBeUndefined();
        await again.close();
      }
    } finally {
      await cleanup();
    }
  });
});
