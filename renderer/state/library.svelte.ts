import { SvelteSet } from 'svelte/reactivity';
import type { LibraryAsset, LibraryQuery, LibraryState } from '../../electron/shared/library-types.ts';
import type { MediaKind } from '../../electron/shared/domain.ts';
import { client } from '../lib/client.svelte.ts';

const PAGE = 200;
const LAYOUT_KEY = 'tl-uploader.library.layout';

function savedLayout(): 'grid' | 'list' {
  try {
    return localStorage.getItem(LAYOUT_KEY) === 'grid' ? 'grid' : 'list';
  } catch {
    return 'list'; // storage refused (a locked-down browser profile): the default
  }
}

/**
 * The library view's read model: the query the person set, the rows loaded so far (in pages, as
 * the virtual list asks for them), the sync state for the offline banner, and the selection.
 */
export class LibraryViewState {
  types = $state<MediaKind[]>([]);
  statuses = $state<string[]>([]);
  search = $state('');
  sort = $state<NonNullable<LibraryQuery['sort']>>({ by: 'date', direction: 'desc' });
  /** List or Grid, as the person last chose (kept in this browser / window's storage). */
  layout = $state<'grid' | 'list'>(savedLayout());
  rows = $state<LibraryAsset[]>([]);
  total = $state(0);
  state = $state<LibraryState | undefined>();
  loading = $state(true);
  readonly selected = new SvelteSet<string>();
  private loadedUpTo = 0;
  private generation = 0;

  constructor() {
    client.on('library:changed', () => void this.reload());
    client.on('library:state-changed', (s) => (this.state = s));
  }

  query(offset: number): LibraryQuery {
    return {
      ...(this.types.length > 0 && { types: this.types }),
      ...(this.statuses.length > 0 && { statuses: this.statuses }),
      ...(this.search.trim() && { filename: this.search.trim() }),
      sort: this.sort,
      offset,
      limit: PAGE,
    };
  }

  async reload(): Promise<void> {
    const generation = ++this.generation;
    const want = Math.max(PAGE, this.loadedUpTo);
    const pages = await Promise.all(
      Array.from({ length: Math.ceil(want / PAGE) }, (_, i) =>
        client.invoke('library:query', this.query(i * PAGE)),
      ),
    );
    if (generation !== this.generation) return;
    this.rows = pages.flatMap((p) => p.items);
    this.total = pages[0]?.total ?? 0;
    this.loadedUpTo = this.rows.length;
    this.loading = false;
    this.state ??= await client.invoke('library:state', {});
  }

  /** The virtual list reached the end of what is loaded: fetch the next page. */
  async more(): Promise<void> {
    if (this.rows.length >= this.total) return;
    const generation = this.generation;
    const page = await client.invoke('library:query', this.query(this.rows.length));
    if (generation !== this.generation) return;
    this.rows = [...this.rows, ...page.items];
    this.loadedUpTo = this.rows.length;
  }

  setLayout(layout: 'grid' | 'list'): void {
    this.layout = layout;
    try {
      localStorage.setItem(LAYOUT_KEY, layout);
    } catch (error) {
      console.warn('The layout choice cannot be kept:', error);
    }
  }

  toggle(id: string): void {
    if (this.selected.has(id)) this.selected.delete(id);
    else this.selected.add(id);
  }

  async sync(): Promise<void> {
    this.state = await client.invoke('library:sync', {});
  }
}
