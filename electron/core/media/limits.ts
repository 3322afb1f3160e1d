import type { MediaKind } from '../../shared/domain.ts';

/**
 * The platform's upload limits, in one table (the mission's figures, matching the older docs).
 * Changing a limit is a one-line change here.
 */
export const MB = 1_000_000;
export const GB = 1_000_000_000;

export const LIMITS = {
  /** One multipart/form-data POST. */
  direct: { video: 200 * MB, audio: 200 * MB, image: 5 * MB } satisfies Record<MediaKind, number>,
  /** The multipart upload API, for video and audio above the direct limit. */
  multipart: { video: 4 * GB, audio: 4 * GB, image: 5 * MB } satisfies Record<MediaKind, number>,
  /** `method=url`: the platform downloads it. */
  url: 4 * GB,
  filenameLength: 255,
} as const;

export type UploadMethod = 'direct' | 'multipart';

/** How a local file of this kind and size is sent, or why it cannot be. */
export function chooseMethod(kind: MediaKind, size: number): { method: UploadMethod } | { tooLarge: number } {
  if (size <= LIMITS.direct[kind]) return { method: 'direct' };
  if (size <= LIMITS.multipart[kind]) return { method: 'multipart' };
  return { tooLarge: LIMITS.multipart[kind] };
}

export function formatBytes(bytes: number): string {
  if (bytes >= GB) return `${+(bytes / GB).toFixed(2)} GB`;
  if (bytes >= MB) return `${+(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1000) return `${+(bytes / 1000).toFixed(1)} kB`;
  return `${bytes} bytes`;
}
