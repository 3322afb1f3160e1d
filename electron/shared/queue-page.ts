import type { ItemState, QueueItemView, QueueTotals } from './queue-types.ts';

/**
 * The Uploads view's filters. Every state belongs to exactly one group; the table is exhaustive on
 * purpose, so a new state does not compile until it is placed (and counted) in one. It agrees with
 * the traits of item-state.ts (attention first, then finished): tests/unit/item-state.test.ts.
 */
export type UploadGroup = 'active' | 'attention' | 'done';
export type UploadFilter = 'all' | UploadGroup;

export const STATE_GROUP: Record<ItemState, UploadGroup> = {
  queued: 'active',
  preparing: 'active',
  uploading: 'active',
  finalizing: 'active',
  processing: 'active',
  waiting: 'active',
  paused: 'active',
  indexing: 'active',
  failed: 'attention',
  'source-missing': 'attention',
  'index-failed': 'attention',
  ready: 'done',
  canceled: 'done',
  // A duplicate is done, not a problem: its content is already in the library.
  duplicate: 'done',
  indexed: 'done',
};

/** Whether an item in `state` is shown under `filter`. */
export function inFilter(state: ItemState, filter: UploadFilter): boolean {
  return filter === 'all' || STATE_GROUP[state] === filter;
}

/** Items per filter, from the per-state counters of the totals: no walk over the items. */
export function filterCounts(byState: QueueTotals['byState']): Record<UploadFilter, number> {
  const counts = { all: 0, active: 0, attention: 0, done: 0 };
  for (const [state, n] of Object.entries(byState) as Array<[ItemState, number]>) {
    counts.all += n;
    // A state an older or newer core sends that this table does not know is counted in "all" only.
    const group = STATE_GROUP[state] as UploadGroup | undefined;
    if (group) counts[group] += n;
  }
  return counts;
}

/** `uploads:list` answers one window of the queue, in queue order, never the whole of it. */
export interface UploadsPage {
  items: QueueItemView[];
  /** Items in the filter, all of them (the list's length). */
  total: number;
  offset: number;
  totals: QueueTotals;
}

export const UPLOADS_PAGE_MAX = 1000;
export const UPLOADS_PAGE_DEFAULT = 500;
