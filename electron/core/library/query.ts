import type { LibraryAsset, LibraryQuery } from '../../shared/library-types.ts';
import type { LibraryOrder } from './library-order.ts';

const KIND_OF_MIME: Array<[string, string]> = [
  ['video/', 'video'],
  ['audio/', 'audio'],
  ['image/', 'image'],
  ['application/pdf', 'document'],
  ['text/', 'document'],
];

export function kindOf(asset: LibraryAsset): string | undefined {
  const mime = asset.fileType ?? '';
  return KIND_OF_MIME.find(([prefix]) => mime.startsWith(prefix))?.[1];
}

/** The query's filter as a test, and a key naming it (undefined when it filters nothing). */
function filterOf(q: LibraryQuery): { key?: string; matches?: (a: LibraryAsset) => boolean } {
  const needle = q.filename?.trim().toLowerCase();
  const types = q.types && q.types.length > 0 ? new Set<string>(q.types) : undefined;
  const statuses = q.statuses && q.statuses.length > 0 ? new Set(q.statuses) : undefined;
  if (!needle && !types && !statuses && q.from === undefined && q.to === undefined) return {};
  const key = JSON.stringify([needle, q.types, q.statuses, q.from, q.to]);
  const matches = (a: LibraryAsset) => {
    if (types && !types.has(kindOf(a) ?? '')) return false;
    if (statuses && !statuses.has(a.status ?? '')) return false;
    if (needle && !(a.filename ?? '').toLowerCase().includes(needle)) return false;
    if (q.from !== undefined || q.to !== undefined) {
      const t = a.createdAt ? Date.parse(a.createdAt) : NaN;
      if (q.from !== undefined && !(t >= q.from)) return false;
      if (q.to !== undefined && !(t <= q.to)) return false;
    }
    return true;
  };
  return { key, matches };
}

/**
 * Filter, sort and page the mirror from its kept orders (library-order.ts): the unfiltered list is
 * a slice of the order, a filtered one a slice of the order's matches (kept for the next page), so
 * a page of 100,000 assets costs what a page of ten does (see `npm run bench -- library`).
 */
export function queryAssets(
  order: LibraryOrder,
  assets: Record<string, LibraryAsset>,
  q: LibraryQuery,
): { items: LibraryAsset[]; total: number } {
  const { by, direction } = q.sort ?? { by: 'date', direction: 'desc' };
  const { key, matches } = filterOf(q);
  const ids = order.ids(by, key, matches);
  const total = ids.length;
  const offset = Math.max(0, q.offset ?? 0);
  const end = Math.min(total, offset + (q.limit ?? 100));
  const items: LibraryAsset[] = [];
  // Descending is the ascending order read from its end (ties go by id both ways, reversed).
  for (let i = offset; i < end; i++) items.push(assets[ids[direction === 'asc' ? i : total - 1 - i]!]!);
  return { items, total };
}
