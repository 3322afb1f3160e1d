import type { AssetRecord } from './state.ts';

/** `Asset` (§2.1): what `POST /assets` answers. */
export function assetWire(a: AssetRecord): Record<string, unknown> {
  return {
    _id: a.id,
    method: a.method,
    status: a.status,
    filename: a.filename,
    ...(a.sniffed && { file_type: a.sniffed.mime }),
    created_at: a.createdAt,
    ...(a.userMetadata && Object.keys(a.userMetadata).length > 0 && { user_metadata: a.userMetadata }),
  };
}

/**
 * `AssetDetail` (§2.2): list items and retrieve. Fields appear only where §2.2 says they do.
 * `media` is the asset's signed media base (`EmulatorCore.mediaBase`).
 */
export function assetDetailWire(a: AssetRecord, media: string): Record<string, unknown> {
  const detail: Record<string, unknown> = assetWire(a);
  if (a.enableHls && a.hlsStatus) {
    detail.hls = {
      status: a.hlsStatus,
      ...(a.hlsStatus === 'ready' && { manifest_url: `${media}/hls/master.m3u8` }),
    };
  }
  if (a.enableThumbnail && a.thumbnailStatus) {
    detail.thumbnail = {
      status: a.thumbnailStatus,
      ...(a.thumbnailStatus === 'ready' && { representative_url: `${media}/thumbnail` }),
    };
  }
  if (a.status !== 'processing' && a.technicalMetadata) detail.technical_metadata = a.technicalMetadata;
  if (a.status === 'ready') {
    if (a.size !== undefined) detail.size = a.size;
    if (a.duration !== undefined) detail.duration = a.duration;
  }
  if (a.status === 'failed')
    detail.error = { message: a.errorMessage ?? 'The asset could not be processed.' };
  return detail;
}

export interface PageInfo {
  limit_per_page: number;
  page: number;
  total_page: number;
  total_results: number;
}

/** One page of a list, with `page_info` per §2.5; past the end is an empty page, never an error (§8.3). */
export function paginate<T>(items: T[], page: number, limit: number): { data: T[]; page_info: PageInfo } {
  const start = (page - 1) * limit;
  return {
    data: items.slice(start, start + limit),
    page_info: {
      limit_per_page: limit,
      page,
      total_page: Math.ceil(items.length / limit),
      total_results: items.length,
    },
  };
}
