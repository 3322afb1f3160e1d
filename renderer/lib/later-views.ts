import type { Component } from 'svelte';

type ViewModule = Promise<{ default: Component }>;

/** Each import started once and kept (the second visit renders at once); one that failed is tried again. */
function once(load: () => ViewModule): () => ViewModule {
  let loading: ViewModule | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}

/**
 * The views that are not on the first screen (the Uploads view and, on a first run, the Welcome
 * are), each in a chunk of its own so
 * the first screen downloads and parses less. They are fetched when the window first goes idle,
 * so opening one later waits for nothing; where there is no idle callback, a second after start.
 */
export const laterViews = {
  library: once(() => import('../views/Library.svelte')),
  folders: once(() => import('../views/Folders.svelte')),
  settings: once(() => import('../views/Settings.svelte')),
  prefetchWhenIdle(): void {
    const fetchAll = () => {
      for (const load of [this.library, this.folders, this.settings])
        load().catch((error: unknown) => console.warn('A view could not be fetched ahead:', error));
    };
    if (typeof requestIdleCallback === 'function') requestIdleCallback(fetchAll, { timeout: 2_000 });
    else setTimeout(fetchAll, 1_000);
  },
};
