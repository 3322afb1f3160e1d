import type { EmulatorState, IndexedAssetRecord, IndexRecord } from './state.ts';

/** `Index` (twelvelabs-indexes.md §2.1); counts and durations from its `ready` indexed assets. */
export function indexWire(state: EmulatorState, i: IndexRecord): Record<string, unknown> {
  let count = 0;
  let duration = 0;
  for (const ia of state.indexedAssets.values()) {
    if (ia.indexId !== i.id || statusOf(ia) !== 'ready') continue;
    count++;
    duration += state.assets.get(ia.assetId)?.duration ?? 0;
  }
  return {
    _id: i.id,
    index_name: i.name,
    created_at: i.createdAt,
    updated_at: i.updatedAt ?? i.createdAt,
    // Developer plan: indexes do not expire (the Free plan's would after 90 days).
    expires_at: null,
    total_duration: duration,
    video_count: count,
    models: i.models,
    addons: i.addons ?? [],
  };
}

/** Records saved before indexing was modelled were created ready. */
export const statusOf = (ia: IndexedAssetRecord) => ia.status ?? 'ready';

/** `IndexedAsset` (§2.2): list items. `system_metadata` from the asset, as the platform read it. */
export function indexedAssetWire(state: EmulatorState, ia: IndexedAssetRecord): Record<string, unknown> {
  const asset = state.assets.get(ia.assetId);
  const tm = asset?.technicalMetadata ?? {};
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const system = asset && {
    filename: asset.filename,
    duration: asset.duration,
    fps: num(tm.video_fps),
    width: num(tm.video_width) ?? num(tm.image_width),
    height: num(tm.video_height) ?? num(tm.image_height),
    size: asset.size,
  };
  return {
    _id: ia.id,
    asset_id: ia.assetId,
    created_at: ia.createdAt,
    updated_at: ia.updatedAt ?? ia.createdAt,
    status: statusOf(ia),
    ...(ia.indexedAt && { indexed_at: ia.indexedAt }),
    ...(system && { system_metadata: JSON.parse(JSON.stringify(system)) as unknown }),
  };
}

/** `IndexedAssetDetailed` (§2.3): the list item plus what was asked for and exists. */
export function indexedAssetDetailWire(
  state: EmulatorState,
  ia: IndexedAssetRecord,
  mediaBase: string,
  transcription: boolean,
): Record<string, unknown> {
  const detail = indexedAssetWire(state, ia);
  if (ia.userMetadata && Object.keys(ia.userMetadata).length > 0) detail.user_metadata = ia.userMetadata;
  if (ia.enableVideoStream) {
    // A URL only to a stream that exists: never to media the asset does not have (indexed-stream.ts).
    const ready = statusOf(ia) === 'ready' && ia.stream === 'ready';
    const error = statusOf(ia) === 'failed' || (statusOf(ia) === 'ready' && ia.stream === 'error');
    detail.hls = {
      status: ready ? 'COMPLETE' : error ? 'ERROR' : 'PROCESSING',
      ...(ready && { video_url: `${mediaBase}/hls/master.m3u8`, thumbnail_urls: [`${mediaBase}/thumbnail`] }),
      updated_at: ia.updatedAt ?? ia.createdAt,
    };
  }
  // The emulator hears no speech: a ready transcription is `null` ("no speech found").
  if (transcription && statusOf(ia) === 'ready') detail.transcription = null;
  return detail;
}
