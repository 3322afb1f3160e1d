import { prepareStream } from './hls-remux.ts';
import { statusOf } from './index-wire.ts';
import type { AssetRecord, EmulatorState, IndexedAssetRecord } from './state.ts';

/**
 * `enable_video_stream` (twelvelabs-indexes.md §1.3) stores a streamable copy of an indexed
 * asset's video, whose URL then appears in `hls.video_url` (§2.3). Only an asset with a video
 * track has one: a document, an image or an audio-only file never gets a `video_url` (the
 * reference documents only the video case; every `HLSObject` field is optional, and `ERROR` is
 * the enum's word for a stream that was asked for and not made [INFERRED]). Nor does a video
 * the Sandbox cannot stream without transcoding (hls-remux.ts): a URL to media that is not
 * there would be a lie a player finds out with a 404.
 */
export function hasVideoTrack(asset: AssetRecord | undefined): boolean {
  if (!asset || asset.sniffed?.kind !== 'video' || !asset.blobPath) return false;
  // The container said how many video streams it holds (media-probe.ts): 0 is audio in a video box.
  return asset.technicalMetadata?.total_video_streams !== 0;
}

/** Makes the indexed asset's stream, where there can be one; its record says how it ended. */
export async function prepareIndexedStream(
  state: EmulatorState,
  id: string,
  signal?: AbortSignal,
): Promise<void> {
  const ia = state.indexedAssets.get(id);
  if (!ia) return;
  const asset = state.assets.get(ia.assetId);
  ia.stream = 'pending';
  // A copy that cannot be made is what `ERROR` reports (prepareStream already turns a failed
  // ffmpeg into false); an unexpected failure reads the same way rather than leaving PROCESSING.
  const ok = hasVideoTrack(asset) ? await prepareStream(asset!.blobPath!, signal).catch(() => false) : false;
  // Stopped meanwhile (the Sandbox closing): left `pending`, so the next start makes it (streamDue).
  if (signal?.aborted) return;
  const current = state.indexedAssets.get(id);
  if (current !== ia) return; // deleted (or the Sandbox reset) meanwhile
  ia.stream = ok ? 'ready' : 'error';
  ia.updatedAt = new Date().toISOString();
  state.changed();
}

/** Whether some indexed asset of this asset has a ready stream (the media routes may serve it). */
export function hasIndexedStream(state: EmulatorState, assetId: string): boolean {
  for (const ia of state.indexedAssets.values())
    if (ia.assetId === assetId && ia.stream === 'ready') return true;
  return false;
}

/** A ready indexed asset that asked for a stream and has no settled one (made, or saved before streams were modelled). */
export const streamDue = (ia: IndexedAssetRecord): boolean =>
  !!ia.enableVideoStream && statusOf(ia) === 'ready' && ia.stream !== 'ready' && ia.stream !== 'error';
