/**
 * The platform's upload limits, as the emulator enforces them. One table, so that a change of the
 * platform's figures is a one-line change here. Figures as documented now (reference
 * twelvelabs-api.md §4: OpenAPI export 2026-07-30 and twelvelabs-js 1.3.4): video/audio 200 MB
 * direct, 4 GB by URL, 10 GB through multipart uploads; images 32 MB every way; documents (PDF,
 * text, Markdown) 200 MB direct and 512 MB by URL (documents have no multipart upload).
 */
export const MB = 1_000_000;
export const GB = 1_000_000_000;

/** What an asset is, by its bytes. */
export type MediaKind = 'video' | 'audio' | 'image' | 'document';
/** The `type` values a multipart upload session takes (§7 M1). */
export type ChunkedKind = Exclude<MediaKind, 'document'>;

export interface UploadLimits {
  /** `POST /assets` with `method=direct`, by detected kind. */
  direct: Record<MediaKind, number>;
  /** `POST /assets` with `method=url`, by detected kind. */
  url: Record<MediaKind, number>;
  /** `POST /assets/multipart-uploads` `total_size`, by declared `type`. */
  multipart: Record<ChunkedKind, number>;
}

export const DEFAULT_LIMITS: UploadLimits = {
  direct: { video: 200 * MB, audio: 200 * MB, image: 32 * MB, document: 200 * MB },
  url: { video: 4 * GB, audio: 4 * GB, image: 32 * MB, document: 512 * MB },
  multipart: { video: 10 * GB, audio: 10 * GB, image: 32 * MB },
};

/** The largest size any kind may have by this method: what applies before the type is known. */
export function largestLimit(table: Record<string, number>): number {
  return Math.max(...Object.values(table));
}

export function describeBytes(bytes: number): string {
  if (bytes >= GB) return `${+(bytes / GB).toFixed(2)} GB`;
  if (bytes >= MB) return `${+(bytes / MB).toFixed(2)} MB`;
  return `${bytes} bytes`;
}
