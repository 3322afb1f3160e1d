import { SvelteMap } from 'svelte/reactivity';
import type { LibraryAsset, LibraryQuery, LibraryState } from '../../electron/shared/library-types.ts';
import type { MediaKind } from '../../electron/shared/domain.ts';
import { client } from '../lib/client.svelte.ts';
import { WindowedList } from '../lib/windowed-list.svelte.ts';

/** A page of the library, with where it starts (the query's offset). */
type LibraryPage = { offset: number; items: LibraryAsset[]; total: number };

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
export class LibraryViewState extends WindowedList<LibraryAsset, LibraryPage> {
  types = $state<MediaKind[]>([]);
  statuses = $state<string[]>([]);
  search = $state('');
  sort = $state<NonNullable<LibraryQuery['sort']>>({ by: 'date', direction: 'desc' });
  /** List or Grid, as the person last chose (kept in this browser / window's storage). */
  layout = $state<'grid' | 'list'>(savedLayout());
  /** Assets matching the query: the list's length. */
  total = $state(0);
  state = $state<LibraryState | undefined>();
  loading = $state(true);
  /** The selected assets and their names (for the delete dialog: they may be scrolled away). */
  readonly selected = new SvelteMap<string, string>();
  /** Bumped by every new query: the list goes back to its top. */
  queryGeneration = $state(0);

  constructor() {
    super('The library could not be read');
    this.listen(
      client.on('library:changed', () => this.refreshSoon()),
      client.on('library:state-changed', (s) => (this.state = s)),
    );
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

  /** The query changed (filters, search, sort): start again from the top. */
  reload(): Promise<void> {
    this.queryGeneration++;
    return this.restart();
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

  protected async readPage(offset: number, limit: number): Promise<LibraryPage> {
    const page = await client.invoke('library:query', this.query(offset, limit));
    return { offset, items: page.items, total: page.total };
  }

  protected took(page: LibraryPage): void {
    this.total = page.total;
    this.loading = false;
  }
}
