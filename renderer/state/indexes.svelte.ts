import type { IndexSummary } from '../../electron/shared/index-types.ts';
import { client } from '../lib/client.svelte.ts';

/**
 * The account's indexes, for every index chooser (add files, add URLs, watched folders, the
 * Library): listed once and again after a create. Read-only here; the core owns the truth.
 */
class IndexesState {
  list = $state<IndexSummary[]>([]);
  loaded = $state(false);
  problem = $state<string | undefined>();
  private loading: Promise<void> | undefined;

  load(force = false): Promise<void> {
    if (this.loading && !force) return this.loading;
    this.loading = client.invoke('indexes:list', {}).then(
      (all) => {
        this.list = all;
        this.loaded = true;
        this.problem = undefined;
      },
      (e: Error) => {
        // Offline or no key yet: the chooser says so and still offers "No index".
        this.problem = `Indexes could not be listed: ${e.message}`;
        this.loading = undefined;
      },
    );
    return this.loading;
  }

  async create(name: string, models: Array<'marengo3.0' | 'pegasus1.2'>): Promise<IndexSummary> {
    const made = await client.invoke('indexes:create', {
      name,
      models: models.map((m) => ({ name: m, options: ['visual', 'audio'] as Array<'visual' | 'audio'> })),
    });
    await this.load(true);
    return made;
  }

  nameOf(id: string | undefined): string | undefined {
    return this.list.find((i) => i.id === id)?.name;
  }
}

export const indexes = new IndexesState();
