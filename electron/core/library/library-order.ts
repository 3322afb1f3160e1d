import type { LibraryAsset, LibraryQuery } from '../../shared/library-types.ts';

export type SortBy = NonNullable<LibraryQuery['sort']>['by'];

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * What an asset sorts by: its name (compared as people read it), its creation time (an ISO 8601
 * text, in code-unit order: the platform's timestamps all have one form, so no parsing), or an
 * amount (missing ones first).
 */
function keyOf(by: SortBy, a: LibraryAsset): number | string {
  switch (by) {
    case 'name':
      return a.filename ?? '';
    case 'size':
      return a.size ?? -1;
    case 'duration':
      return a.duration ?? -1;
    default:
      return a.createdAt ?? '';
  }
}

function comparerOf(by: SortBy): (x: number | string, y: number | string) => number {
  if (by === 'name') return (x, y) => collator.compare(x as string, y as string);
  return (x, y) => (x < y ? -1 : x > y ? 1 : 0);
}

/** Ties are broken by id, so the order is total: descending is exactly ascending read backwards. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Edits applied one by one between two reads; past this many, one sort at the next read is cheaper. */
const MAX_EDITS = 2_000;

/**
 * The mirror's assets in each sort order the library was asked for (ascending, ids only), kept as
 * assets come, change and go instead of sorted on every `library:query`: a page of 100,000 assets
 * is a slice, not a sort. An order is built (one sort over precomputed keys) the first time it is
 * read; after that an added, removed or re-keyed asset is one binary search and one splice. A
 * burst of edits (the first full sync) drops the orders instead, for one sort at the next read.
 *
 * A filtered read walks the order once and keeps the matching ids, so the pages that follow (the
 * list scrolling) are slices too, until the next edit.
 */
export class LibraryOrder {
  private readonly orders = new Map<SortBy, string[]>();
  private edits = 0;
  /** The last filtered read: its filter, its sort, and the ids it matched (ascending). */
  private filtered: { key: string; ids: string[] } | undefined;
  /** How many assets the mirror holds, kept with the edits (the state says it on every change). */
  size: number;

  constructor(private readonly assets: () => Record<string, LibraryAsset>) {
    this.size = Object.keys(assets()).length;
  }

  /** An asset came into the mirror. Call after it is stored. */
  added(asset: LibraryAsset): void {
    this.size++;
    this.edit(() => {
      for (const [by, ids] of this.orders) ids.splice(this.search(by, ids, asset), 0, asset.id);
    });
  }

  /** An asset is leaving the mirror. Call while it is still stored (its keys find its place). */
  removed(asset: LibraryAsset): void {
    this.size--;
    this.edit(() => {
      for (const [by, ids] of this.orders) this.remove(by, ids, asset);
    });
  }

  /** An asset is replaced by a newer version. Call before `next` is stored. */
  changed(current: LibraryAsset, next: LibraryAsset): void {
    this.filtered = undefined; // a status or a type may have changed what a filter matches
    for (const [by, ids] of this.orders) {
      // Equal keys (for names, equal to the collator) keep their place: ties go by id.
      if (comparerOf(by)(keyOf(by, current), keyOf(by, next)) === 0) continue;
      this.edit(() => {
        this.remove(by, ids, current);
        // The slot it left is free; its new place is found among the others, with its new keys.
        ids.splice(this.search(by, ids, next), 0, next.id);
      });
    }
  }

  /**
   * The ids matching `matches` (undefined: every asset) in `by` order, ascending. The live array:
   * read it before the next edit, never keep it.
   */
  ids(by: SortBy, filterKey: string | undefined, matches?: (a: LibraryAsset) => boolean): readonly string[] {
    this.edits = 0;
    const sorted = this.order(by);
    if (!filterKey || !matches) return sorted;
    const key = `${by}\n${filterKey}`;
    if (this.filtered?.key !== key) {
      const assets = this.assets();
      this.filtered = { key, ids: sorted.filter((id) => matches(assets[id]!)) };
    }
    return this.filtered.ids;
  }

  /**
   * Builds `by`'s order now if it is not kept, so that the next read (the Library opening) is a
   * slice: called when a sync ends and at start, off the path of a person's request.
   */
  warm(by: SortBy): void {
    this.order(by);
  }

  private order(by: SortBy): string[] {
    let ids = this.orders.get(by);
    if (!ids) {
      ids = this.build(by);
      this.orders.set(by, ids);
    }
    return ids;
  }

  /** One sort over keys computed once per asset (not once per comparison). */
  private build(by: SortBy): string[] {
    const all = Object.values(this.assets());
    const keys = all.map((a) => keyOf(by, a));
    const compare = comparerOf(by);
    const at = Array.from(all.keys());
    at.sort((i, j) => compare(keys[i]!, keys[j]!) || compareIds(all[i]!.id, all[j]!.id));
    return at.map((i) => all[i]!.id);
  }

  private edit(apply: () => void): void {
    this.filtered = undefined;
    if (this.orders.size === 0) return;
    if (++this.edits > MAX_EDITS) {
      this.orders.clear();
      return;
    }
    apply();
  }

  /** Where `asset` is, or would go, in `ids` (ascending by `by`, then id). */
  private search(by: SortBy, ids: readonly string[], asset: LibraryAsset): number {
    const assets = this.assets();
    const key = keyOf(by, asset);
    const compare = comparerOf(by);
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = assets[ids[mid]!]!;
      const c = compare(keyOf(by, other), key) || compareIds(other.id, asset.id);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private remove(by: SortBy, ids: string[], asset: LibraryAsset): void {
    const at = this.search(by, ids, asset);
    if (ids[at] === asset.id) ids.splice(at, 1);
    else {
      // Not where its keys say (it should not happen): drop this order, rebuilt at the next read.
      this.orders.delete(by);
    }
  }
}
