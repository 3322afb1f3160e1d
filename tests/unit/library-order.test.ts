/**
 * The library's kept orders (library-order.ts) against a plain filter-and-sort of the same mirror:
 * after every burst of random edits (assets added, removed, renamed, resized, re-dated, changing
 * status), every sort, direction, filter and page must answer exactly what sorting everything
 * would. Seeded, so a failure replays.
 */
import { describe, expect, it } from 'vitest';
import { LibraryOrder, type SortBy } from '../../electron/core/library/library-order.ts';
import { queryAssets } from '../../electron/core/library/query.ts';
import type { LibraryAsset, LibraryQuery } from '../../electron/shared/library-types.ts';

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** What every query means, written the slow way: filter everything, sort everything, slice. */
function reference(all: LibraryAsset[], q: LibraryQuery): string[] {
  const { by, direction } = q.sort ?? { by: 'date', direction: 'desc' };
  const sign = direction === 'asc' ? 1 : -1;
  const key = (a: LibraryAsset): number | string =>
    by === 'name'
      ? (a.filename ?? '')
      : by === 'size'
        ? (a.size ?? -1)
        : by === 'duration'
          ? (a.duration ?? -1)
          : (a.createdAt ?? '');
  const compare = (x: number | string, y: number | string) =>
    by === 'name' ? collator.compare(x as string, y as string) : x < y ? -1 : x > y ? 1 : 0;
  return all
    .filter((a) => !q.statuses || q.statuses.includes(a.status ?? ''))
    .filter((a) => !q.types || q.types.some((t) => (a.fileType ?? '').startsWith(`${t}/`)))
    .filter((a) => !q.filename || (a.filename ?? '').toLowerCase().includes(q.filename.toLowerCase()))
    .sort((a, b) => sign * compare(key(a), key(b)) || sign * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(q.offset ?? 0, (q.offset ?? 0) + (q.limit ?? 100))
    .map((a) => a.id);
}

function makeAsset(next: () => number, id: string): LibraryAsset {
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  return {
    id,
    // Few distinct values, so ties (broken by id) are common; some fields missing.
    filename:
      next() < 0.1 ? undefined : `${pick(['Beach', 'beach', 'talk', 'Take'])}-${Math.floor(next() * 30)}.mp4`,
    createdAt:
      next() < 0.1 ? undefined : new Date(Date.UTC(2026, 0, 1 + Math.floor(next() * 20))).toISOString(),
    size: next() < 0.1 ? undefined : Math.floor(next() * 8) * 1000,
    duration: next() < 0.1 ? undefined : Math.floor(next() * 5),
    fileType: pick(['video/mp4', 'audio/mpeg', 'image/png']),
    status: pick(['ready', 'processing', 'failed']),
  };
}

/** A mirror and its kept order, edited the way AssetLibrary edits them. */
function mirror() {
  const assets: Record<string, LibraryAsset> = {};
  const order = new LibraryOrder(() => assets);
  return {
    assets,
    order,
    put(asset: LibraryAsset) {
      const current = assets[asset.id];
      if (current) order.changed(current, asset);
      assets[asset.id] = asset;
      if (!current) order.added(asset);
    },
    remove(id: string) {
      order.removed(assets[id]!);
      delete assets[id];
    },
  };
}

const queries: LibraryQuery[] = [];
for (const by of ['date', 'name', 'size', 'duration'] as SortBy[])
  for (const direction of ['asc', 'desc'] as const) {
    queries.push({ sort: { by, direction }, offset: 0, limit: 500 });
    queries.push({ sort: { by, direction }, offset: 7, limit: 11 });
    queries.push({ sort: { by, direction }, statuses: ['ready'], types: ['video', 'audio'], limit: 500 });
    queries.push({ sort: { by, direction }, filename: 'BEACH', offset: 3, limit: 500 });
  }

describe('LibraryOrder', () => {
  it('answers every sort, direction, filter and page as a full sort would, through random edits', () => {
    const next = random(18);
    const m = mirror();
    let serial = 0;
    const newId = () => (serial++).toString(16).padStart(24, '0');
    for (let i = 0; i < 300; i++) m.put(makeAsset(next, newId()));
    for (let round = 0; round < 40; round++) {
      // A burst of edits between two reads: the orders are kept through them, not rebuilt.
      for (let e = 0; e < 15; e++) {
        const ids = Object.keys(m.assets);
        const roll = next();
        if (roll < 0.3) m.put(makeAsset(next, newId()));
        else if (roll < 0.5 && ids.length > 0) m.remove(ids[Math.floor(next() * ids.length)]!);
        else if (ids.length > 0) {
          const id = ids[Math.floor(next() * ids.length)]!;
          // The same asset, newer: sometimes only its status, sometimes the keys it sorts by.
          m.put(next() < 0.5 ? { ...m.assets[id]!, status: 'ready' } : makeAsset(next, id));
        }
      }
      const all = Object.values(m.assets);
      expect(m.order.size).toBe(all.length);
      for (const q of queries) {
        const page = queryAssets(m.order, m.assets, q);
        expect(
          page.items.map((a) => a.id),
          JSON.stringify(q),
        ).toEqual(reference(all, q));
        expect(page.total).toBe(reference(all, { ...q, offset: 0, limit: Infinity }).length);
      }
    }
  });

  it('after a burst larger than it keeps up with (a first full sync), sorts once and is right', () => {
    const next = random(7);
    const m = mirror();
    m.put(makeAsset(next, '0'.repeat(24)));
    queryAssets(m.order, m.assets, {}); // the date order is now kept
    for (let i = 1; i < 3_000; i++) m.put(makeAsset(next, i.toString(16).padStart(24, '0')));
    const all = Object.values(m.assets);
    for (const q of queries)
      expect(queryAssets(m.order, m.assets, q).items.map((a) => a.id)).toEqual(reference(all, q));
  });
});
