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
 * are), each in a chunk of its own so the first screen downloads and parses less. They are fetched
 * right after the first frame is drawn, while the first screen waits for its data: at a moment of
 * our choosing, not at an idle moment that could fall in the middle of a view being opened (their
 * styles, applied on arrival, restyle the whole page once). Opening one later waits for nothing.
 */
export const laterViews = {
  library: once(() => import('../views/Library.svelte')),
  folders: once(() => import('../views/Folders.svelte')),
  settings: once(() => import('../views/Settings.svelte')),
  prefetchAfterFirstFrame(): void {
    requestAnimationFrame(() =>
      setTimeout(() => {
        for (const load of [this.library, this.folders, this.settings])
          load().catch((error: unknown) => console.warn('A view could not be fetched ahead:', error));
      }, 0),
    );
  },
};
