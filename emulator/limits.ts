/**
 * The platform's upload limits, as the emulator enforces them. One table, so that a change of the
 * platform's figures is a one-line change here. Figures: the mission's (and the older docs'): images
 * 5 MB, video/audio 200 MB direct, 4 GB by URL and through multipart uploads.
 */
export const MB = 1_000_000;
export const GB = 1_000_000_000;

export type MediaKind = 'video' | 'audio' | 'image';

export interface UploadLimits {
  /** `POST /assets` with `method=direct`, by detected kind. */
  direct: Record<MediaKind, number>;
  /** `POST /assets` with `method=url`, by detected kind. */
  url: Record<MediaKind, number>;
  /** `POST /assets/multipart-uploads` `total_size`, by declared `type`. */
  multipart: Record<MediaKind, number>;
}

export const DEFAULT_LIMITS: UploadLimits = {
  direct: { video: 200 * MB, audio: 200 * MB, image: 5 * MB },
  url: { video: 4 * GB, audio: 4 * GB, image: 5 * MB },
  multipart: { video: 4 * GB, audio: 4 * GB, image: 5 * MB },
};

export function describeBytes(bytes: number): string {
  if (bytes >= GB) return `${+(bytes / GB).toFixed(2)} GB`;
  if (bytes >= MB) return `${+(bytes / MB).toFixed(2)} MB`;
  return `${bytes} bytes`;
}
