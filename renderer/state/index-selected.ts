import { client } from '../lib/client.svelte.ts';
import { app } from './app.svelte.ts';
import { indexes } from './indexes.svelte.ts';

/** "Index selected" in the Library: each asset once (one already in the index is left as it is). */
export async function indexSelected(ids: string[], indexId: string): Promise<void> {
  const name = indexes.nameOf(indexId) ?? 'the index';
  try {
    const outcomes = await client.invoke('library:index-assets', { ids, indexId });
    const started = outcomes.filter((o) => o.outcome === 'indexing').length;
    const already = outcomes.filter((o) => o.outcome === 'already').length;
    const failed = outcomes.flatMap((o) => (o.outcome === 'failed' ? [o.message] : []));
    if (started > 0) app.notify('info', `Indexing ${started} asset${started === 1 ? '' : 's'} into ${name}`);
    if (already > 0) app.notify('info', `${already} already in ${name}`);
    for (const message of new Set(failed)) app.notify('error', message);
  } catch (e) {
    app.notify('error', (e as Error).message);
  }
}
