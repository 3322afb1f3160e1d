import { SvelteMap } from 'svelte/reactivity';
import type { LibraryAsset, LibraryQuery, LibraryState } from '../../electron/shared/library-types.ts';
import type { MediaKind } from '../../electron/shared/domain.ts';
import { client } from '../lib/client.svelte.ts';
import { covers, FIRST_PAGE, keepUnchanged } from '../lib/windowing.ts';

/** Rows fetched around the ones in view: a page covers a few screens of scrolling either way. */
const AROUND = 100;
/** Largest window held. */
const WINDOW = 240;
/** A burst of `library:changed` (a sync, thumbnails arriving one by one) re-reads the window once. */
const REFRESH_MS = 120;
const LAYOUT_KEY = 'tl-uploader.library.layout';

function savedLayout(): 'grid' | 'list' {
  try {
    return localStorage.getItem(LAYOUT_KEY) === 'grid' ? 'grid' : 'list';
  } catch {
    return 'list'; // storage refused (a locked-down browser profile): the default
  }
}

/**
 * The library view's read model: the query the person set, the sync state for the offline banner,
 * the selection, and only the window of assets in view, fetched a page at a time by offset
 * (`library:query`), as the Uploads view reads the queue: with 100,000 assets, opening the view
 * and scrolling it cost what they cost with ten.
 */
export class LibraryViewState {
  types = $state<MediaKind[]>([]);
  statuses = $state<string[]>([]);
  search = $state('');
  sort = $state<NonNullable<LibraryQuery['sort']>>({ by: 'date', direction: 'desc' });
  /** List or Grid, as the person last chose (kept in this browser / window's storage). */
  layout = $state<'grid' | 'list'>(savedLayout());
  /** The assets held, from `windowStart` (the rows in view and some around them). */
  rows = $state.raw<LibraryAsset[]>([]);
  windowStart = $state(0);
  /** Assets matching the query: the list's length. */
  total = $state(0);
  state = $state<LibraryState | undefined>();
  loading = $state(true);
  /** The selected assets and their names (for the delete dialog: they may be scrolled away). */
  readonly selected = new SvelteMap<string, string>();
  /** Bumped by every new query: the list goes back to its top. */
  queryGeneration = $state(0);

  private wanted = { first: 0, last: 0 };
  private fetching: Promise<void> | undefined;
  private again = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  private disposed = false;
  /** The event subscriptions, ended by `dispose` (a view opened again makes a new state). */
  private readonly offs = [
    client.on('library:changed', () => this.refreshSoon()),
    client.on('library:state-changed', (s) => (this.state = s)),
  ];

  /** The view closed: no more events or page reads for it. */
  dispose(): void {
    for (const off of this.offs) off();
    clearTimeout(this.refreshTimer);
    this.disposed = true;
  }

  query(offset: number, limit: number): LibraryQuery {
    return {
      ...(this.types.length > 0 && { types: this.types }),
      ...(this.statuses.length > 0 && { statuses: this.statuses }),
      ...(this.search.trim() && { filename: this.search.trim() }),
      sort: this.sort,
      offset,
      limit,
    };
  }

  /** The asset at `index` of the list, when it is in the window held. */
  at(index: number): LibraryAsset | undefined {
    return this.rows[index - this.windowStart];
  }

  /** The list shows rows `first`..`last`: fetch the window around them unless it is held already. */
  show(first: number, last: number): void {
    this.wanted = { first, last };
    if (!covers(this.windowStart, this.rows.length, this.total, first, last)) void this.fetch();
  }

  /** The query changed (filters, search, sort): start again from the top. */
  reload(): Promise<void> {
    this.queryGeneration++;
    this.rows = [];
    this.windowStart = 0;
    this.wanted = { first: 0, last: 0 };
    return this.fetch();
  }

  /** Opening the view: the first page, and the sync state for the banner. */
  async load(): Promise<void> {
    await this.fetch();
    this.state ??= await client.invoke('library:state', {});
  }

  setLayout(layout: 'grid' | 'list'): void {
    this.layout = layout;
    try {
      localStorage.setItem(LAYOUT_KEY, layout);
    } catch (error) {
      console.warn('The layout choice cannot be kept:', error);
    }
  }

  toggle(asset: LibraryAsset): void {
    if (this.selected.has(asset.id)) this.selected.delete(asset.id);
    else this.selected.set(asset.id, asset.filename ?? asset.id);
  }

  async sync(): Promise<void> {
    this.state = await client.invoke('library:sync', {});
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
        const generation = this.queryGeneration;
        const limit =
          this.rows.length === 0 && this.wanted.first === 0
            ? FIRST_PAGE
            : Math.min(WINDOW, this.wanted.last - this.wanted.first + 1 + 2 * AROUND);
        const offset = Math.max(0, this.wanted.first - AROUND);
        const page = await client.invoke('library:query', this.query(offset, limit));
        if (this.disposed) return;
        // A new query meanwhile: this page belongs to the old one; read again.
        if (generation !== this.queryGeneration) {
          this.again = true;
          continue;
        }
        this.total = page.total;
        this.rows = keepUnchanged(
          { start: this.windowStart, rows: this.rows },
          { start: offset, rows: page.items },
          this.wanted,
        );
        this.windowStart = offset;
        this.loading = false;
      } while (this.again);
    })()
      .catch((error: unknown) => console.error('The library could not be read:', error))
      .finally(() => (this.fetching = undefined));
    return this.fetching;
  }
}
