import { covers, FIRST_PAGE, keepUnchanged } from './windowing.ts';

/** Rows fetched around the ones in view: a page covers a few screens of scrolling either way. */
const AROUND = 100;
/** Largest window held (the contract's pages are larger; a window is a few screens). */
const WINDOW = 240;
/** A burst of events that may move rows (a sync, pause all, items added) re-reads the window once. */
const REFRESH_MS = 120;

/**
 * The window of a long list held by a view (the upload queue, the Library): only the rows in view
 * and some around them, read a page at a time by offset, so that with 100,000 rows opening the view
 * and scrolling it cost what they cost with ten. A subclass says how a page is read and what else
 * it carries (totals, counts); the paging, the folding of reads and the refresh after events are
 * here, written once.
 */
export abstract class WindowedList<T extends { id: string }, P extends { offset: number; items: T[] }> {
  /** The rows held, from `windowStart` (the rows in view and some around them). */
  rows = $state.raw<T[]>([]);
  windowStart = $state(0);
  /**
   * The rows in view moved this many places in the last page read (items added or removed above
   * them, a sync's new assets at the top): the list scrolls by as much, so the rows a person is
   * reading stay where they are on the screen. A new object each time: the list acts on each once.
   */
  moved = $state.raw<{ by: number } | undefined>(undefined);
  /** Rows in the list (its length), as the subclass knows it. */
  abstract readonly total: number;

  protected wanted = { first: 0, last: 0 };
  private fetching: Promise<void> | undefined;
  private again = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by `restart`: a page read for the list as it was before is read again. */
  private generation = 0;
  private disposed = false;
  /** The event subscriptions, ended by `dispose` (a view opened again makes a new state). */
  private readonly offs: Array<() => void> = [];

  /** `failure` starts the message logged when a page cannot be read. */
  constructor(private readonly failure: string) {}

  /** One page of the list from `offset`: at most `limit` rows. */
  protected abstract readPage(offset: number, limit: number): Promise<P>;
  /** A page arrived (its rows are already held): take what else it carries. */
  protected abstract took(page: P): void;

  /** Subscriptions to end when the view closes. */
  protected listen(...offs: Array<() => void>): void {
    this.offs.push(...offs);
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

  /** The row at `index` of the list, when it is in the window held. */
  at(index: number): T | undefined {
    return this.rows[index - this.windowStart];
  }

  /** The list shows rows `first`..`last`: fetch the window around them unless it is held already. */
  show(first: number, last: number): void {
    this.wanted = { first, last };
    if (!this.holds(first, last)) void this.fetch();
  }

  /** Whether rows `first`..`last` (and the prefetch margin) are held. */
  protected holds(first: number, last: number): boolean {
    return covers(this.windowStart, this.rows.length, this.total, first, last);
  }

  /** The list changed as a whole (a filter, a query): drop the window and read from the top. */
  protected restart(): Promise<void> {
    this.generation++;
    this.rows = [];
    this.windowStart = 0;
    this.wanted = { first: 0, last: 0 };
    return this.fetch();
  }

  /**
   * How many places the rows drawn moved in `page`: the first of them held now, found again in it
   * (0 when none is, or when the list is at its top, where new rows above are shown as they come).
   */
  private shiftIn(page: P): number {
    const { first, last } = this.wanted;
    if (first === 0) return 0;
    for (let index = first; index <= last; index++) {
      const held = this.at(index);
      if (!held) continue;
      const found = page.items.findIndex((row) => row.id === held.id);
      if (found >= 0) return page.offset + found - index;
    }
    return 0;
  }

  protected refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      void this.fetch();
    }, REFRESH_MS);
  }

  /** One page call for the window around `wanted`; calls made meanwhile are folded into one more. */
  protected fetch(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.fetching) {
      this.again = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      do {
        this.again = false;
        const generation = this.generation;
        const limit =
          this.rows.length === 0 && this.wanted.first === 0
            ? FIRST_PAGE
            : Math.min(WINDOW, this.wanted.last - this.wanted.first + 1 + 2 * AROUND);
        const page = await this.readPage(Math.max(0, this.wanted.first - AROUND), limit);
        if (this.disposed) return;
        // The list was restarted meanwhile: this page belongs to the old one; read again.
        if (generation !== this.generation) {
          this.again = true;
          continue;
        }
        const by = this.shiftIn(page);
        this.rows = keepUnchanged(
          { start: this.windowStart, rows: this.rows },
          { start: page.offset, rows: page.items },
          this.wanted,
        );
        this.windowStart = page.offset;
        if (by !== 0) this.moved = { by };
        this.took(page);
      } while (this.again);
    })()
      .catch((error: unknown) => console.error(`${this.failure}:`, error))
      .finally(() => (this.fetching = undefined));
    return this.fetching;
  }
}
