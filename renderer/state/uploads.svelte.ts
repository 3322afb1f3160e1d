import type { QueueItemView, QueueTotals } from '../../electron/shared/queue-types.ts';
import { filterCounts, inFilter, type UploadFilter } from '../../electron/shared/queue-page.ts';
import { client } from '../lib/client.svelte.ts';
import { WindowedList } from '../lib/windowed-list.svelte.ts';

export type { UploadFilter };

/** A page of the queue in the filter, with the totals it was read with. */
type QueuePage = { offset: number; items: QueueItemView[]; totals: QueueTotals };

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
export class UploadsState extends WindowedList<QueueItemView, QueuePage> {
  totals = $state<QueueTotals | undefined>();
  filter = $state<UploadFilter>('all');
  loaded = $state(false);
  /** The item whose details are open, kept up to date even when its row scrolls away. */
  detail = $state<QueueItemView | undefined>();

  counts = $derived(filterCounts(this.totals?.byState ?? {}));
  /** Rows in the filter: the list's length. */
  total = $derived(this.counts[this.filter]);
  /** Items "Retry all" would try again. */
  retryable = $derived(this.totals?.retryable ?? 0);

  private positions = positionsOf([]);

  constructor() {
    super('The upload queue could not be read');
    this.listen(
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
    );
  }

  /** Before the first page, nothing is held and the total is not known: read it. */
  protected override holds(first: number, last: number): boolean {
    return this.loaded && super.holds(first, last);
  }

  setFilter(filter: UploadFilter): void {
    if (filter === this.filter) return;
    this.filter = filter;
    this.positions = positionsOf([]);
    void this.restart();
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

  protected async readPage(offset: number, limit: number): Promise<QueuePage> {
    return client.invoke('uploads:list', { filter: this.filter, offset, limit });
  }

  protected took(page: QueuePage): void {
    this.totals = page.totals;
    this.positions = positionsOf(page.items);
    const detail = this.detail && page.items[this.positions.get(this.detail.id) ?? -1];
    if (detail) this.detail = detail;
    this.loaded = true;
  }
}
