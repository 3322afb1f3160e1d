import type { QueueItemView, QueueTotals } from '../../electron/shared/queue-types.ts';
import { filterCounts, inFilter, type UploadFilter } from '../../electron/shared/queue-page.ts';
import { client } from '../lib/client.svelte.ts';
import { covers, FIRST_PAGE, keepUnchanged } from '../lib/windowing.ts';

export type { UploadFilter };

/** Rows fetched around the ones in view: a page covers a few screens of scrolling either way. */
const AROUND = 100;
/** Largest window held (the contract's page is larger; a window is a few screens). */
const WINDOW = 240;
/** Events that may move rows (added, removed, a row changing filter) refresh the window at most this often. */
const REFRESH_MS = 120;

/** Where each row of the window is: read by events, rebuilt with the rows (never itself state). */
function positionsOf(rows: QueueItemView[]): ReadonlyMap<string, number> {
  return new Map(rows.map((item, i) => [item.id, i]));
}

/**
 * The queue as the Uploads view reads it: the counts of every filter (from the totals' per-state
 * counters), and only the window of rows in view, fetched a page at a time (`uploads:list` with
 * offset/limit). Nothing here holds or walks every item: with 100,000 items, each event costs the
 * same as with ten. Fed by contract events, changed only through commands.
 */
export class UploadsState {
  totals = $state<QueueTotals | undefined>();
  filter = $state<UploadFilter>('all');
  loaded = $state(false);
  /** The rows held, from `windowStart` (the rows in view and some around them). */
  rows = $state.raw<QueueItemView[]>([]);
  windowStart = $state(0);
  /** The item whose details are open, kept up to date even when its row scrolls away. */
  detail = $state<QueueItemView | undefined>();

  counts = $derived(filterCounts(this.totals?.byState ?? {}));
  /** Rows in the filter: the list's length. */
  total = $derived(this.counts[this.filter]);
  /** Items "Retry all" would try again. */
  retryable = $derived(this.totals?.retryable ?? 0);

  private wanted = { first: 0, last: 0 };
  private positions = positionsOf([]);
  private fetching: Promise<void> | undefined;
  private again = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private disposed = false;
  /** The event subscriptions, ended by `dispose` (a view opened again makes a new state). */
  private readonly offs: Array<() => void>;

  constructor() {
    this.offs = [
      client.on('uploads:item-added', () => {
        // New items come last in queue order: they touch the window only when it reaches the end.
        if (this.windowStart + this.rows.length >= this.total - 1) this.refreshSoon();
      }),
      client.on('uploads:item-changed', (item) => this.changed(item)),
      client.on('uploads:item-removed', ({ id }) => {
        if (this.detail?.id === id) this.detail = undefined;
        // Rows after it move up: the window (or what comes before it) may have shifted.
        this.refreshSoon();
      }),
      // Many at once (pause all, clear finished): one event instead of one per item; re-read the window.
      client.on('uploads:changed', () => this.refreshSoon()),
      client.on('uploads:totals-changed', (t) => (this.totals = t)),
    ];
  }

  /**
   * The view closed: no more events or page reads for it (a state left subscribed would go on
   * re-reading its window on every change, once for each time the view was opened).
   */
  dispose(): void {
    for (const off of this.offs) off();
    clearTimeout(this.refreshTimer);
    this.disposed = true;
  }

  /** The row at `index` of the filtered list, when it is in the window held. */
  at(index: number): QueueItemView | undefined {
    return this.rows[index - this.windowStart];
  }

  /** The list shows rows `first`..`last`: fetch the window around them unless it is held already. */
  show(first: number, last: number): void {
    this.wanted = { first, last };
    if (!this.loaded || !covers(this.windowStart, this.rows.length, this.total, first, last))
      void this.fetch();
  }

  setFilter(filter: UploadFilter): void {
    if (filter === this.filter) return;
    this.filter = filter;
    this.generation++;
    this.rows = [];
    this.positions = positionsOf([]);
    this.windowStart = 0;
    this.wanted = { first: 0, last: 0 };
    void this.fetch();
  }

  load(): Promise<void> {
    return this.fetch();
  }

  async moveToTop(id: string): Promise<void> {
    await client.invoke('uploads:move-to-top', { id });
    await this.fetch();
  }

  private changed(item: QueueItemView): void {
    if (this.detail?.id === item.id) this.detail = item;
    const at = this.positions.get(item.id);
    const belongs = inFilter(item.state, this.filter);
    if (at !== undefined && belongs) {
      const rows = this.rows.slice();
      rows[at] = item;
      this.rows = rows;
    } else if (at !== undefined || belongs) {
      // It left the filter, or came into it (perhaps before or inside the window): positions moved.
      if (this.filter !== 'all') this.refreshSoon();
    }
  }

  private refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      void this.fetch();
    }, REFRESH_MS);
  }

  /** One page call for the window around `wanted`; calls made meanwhile are folded into one more. */
  private fetch(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.fetching) {
      this.again = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      do {
        this.again = false;
        const generation = this.generation;
        const span =
          this.rows.length === 0 && this.wanted.first === 0
            ? FIRST_PAGE
            : Math.min(WINDOW, this.wanted.last - this.wanted.first + 1 + 2 * AROUND);
        const offset = Math.max(0, this.wanted.first - AROUND);
        const page = await client.invoke('uploads:list', { filter: this.filter, offset, limit: span });
        if (this.disposed) return;
        if (generation !== this.generation) {
          this.again = true;
          continue;
        }
        this.totals = page.totals;
        this.rows = keepUnchanged(
          { start: this.windowStart, rows: this.rows },
          { start: page.offset, rows: page.items },
          this.wanted,
        );
        this.windowStart = page.offset;
        this.positions = positionsOf(page.items);
        const detail = this.detail && page.items[this.positions.get(this.detail.id) ?? -1];
        if (detail) this.detail = detail;
        this.loaded = true;
      } while (this.again);
    })()
      .catch((error: unknown) => console.error('The upload queue could not be read:', error))
      .finally(() => (this.fetching = undefined));
    return this.fetching;
  }
}
