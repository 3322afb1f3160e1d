import { SvelteMap } from 'svelte/reactivity';
import { client } from './client.svelte.ts';

/**
 * Thumbnails of assets the queue links to (a ready upload, a duplicate's asset), looked up in the
 * library once per asset, and again when the library changes (a thumbnail is often made after
 * the asset is ready). Called from templates: it never writes state while they render.
 */
const found = new SvelteMap<string, string>();
// Not reactive on purpose: written while templates render, read only to avoid asking twice.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const asked = new Set<string>();
let generation = $state(0);

client.on('library:changed', () => {
  asked.clear();
  generation++;
});

export function assetThumbnail(assetId: string): string | undefined {
  void generation; // read, so a library change asks again for what had no thumbnail
  const src = found.get(assetId);
  if (src !== undefined || asked.has(assetId)) return src;
  asked.add(assetId);
  queueMicrotask(() => {
    client
      .invoke('library:detail', { id: assetId })
      .then((detail) => {
        const url = detail ? client.thumbnailSrc(detail.asset) : undefined;
        if (url) found.set(assetId, url);
      })
      .catch((error: unknown) => console.warn('No thumbnail for', assetId, error));
  });
  return undefined;
}
