import type { MediaKind } from '../../shared/domain.ts';

/**
 * The platform's upload limits, in one table, as documented now (reference twelvelabs-api.md §4:
 * OpenAPI export 2026-07-30 and twelvelabs-js 1.3.4; the older 5 MB image and 4 GB multipart
 * figures are gone). Changing a limit is a one-line change here.
 */
export const MB = 1_000_000;
export const GB = 1_000_000_000;

export const LIMITS = {
  /** One multipart/form-data POST: video/audio 200 MB, images 32 MB (was 5 MB), documents 200 MB. */
  direct: { video: 200 * MB, audio: 200 * MB, image: 32 * MB, document: 200 * MB } satisfies Record<
    MediaKind,
    number
  >,
  /**
   * The multipart upload API: video/audio 10 GB (was 4 GB), images 32 MB. Documents have none
   * (its `type` takes video, audio, image only): a local document goes direct or not at all.
   */
  multipart: { video: 10 * GB, audio: 10 * GB, image: 32 * MB } satisfies Record<ChunkedKind, number>,
  /**
   * Video and audio from this size go through the multipart API although direct would take them,
   * so a pause, a crash or a dropped network resumes from the last chunk (5 MiB on the platform)
   * instead of byte 0. Where the line is, measured on the emulator with 100 ms round trips and
   * 10 MB/s per connection: multipart costs 0.2 s more at 5 MB (one chunk, nothing to keep), and is
   * already faster at 10 MB (two chunks, sent side by side: 0.96 s against 1.2 s) and 2.4x faster
   * at 20 MB. From 10 MB a file has at least two chunks, so a pause keeps at least half. Below
   * it a paused upload starts over, and the queue says so.
   */
  multipartFrom: 10 * MB,
  /** `method=url`: the platform downloads it. Video/audio 4 GB, images 32 MB, documents 512 MB. */
  url: 4 * GB,
  urlImage: 32 * MB,
  /**
   * Documents (PDF, text, Markdown) are assets too (JS 1.3.4): 200 MB local (`direct` above), 512
   * MB by URL, and the extension must match the content, case-insensitively (detect-document.ts).
   */
  document: { url: 512 * MB, extensions: ['pdf', 'txt', 'md', 'markdown'] },
  filenameLength: 255,
} as const;

export type UploadMethod = 'direct' | 'multipart';
/** The kinds a multipart upload session takes. */
export type ChunkedKind = Exclude<MediaKind, 'document'>;

/** Whether files of this kind can go through the multipart upload API. */
export const canChunk = (kind: MediaKind): kind is ChunkedKind => kind !== 'document';

/** How a local file of this kind and size is sent, or why it cannot be. */
export function chooseMethod(kind: MediaKind, size: number): { method: UploadMethod } | { tooLarge: number } {
  if (!canChunk(kind))
    return size <= LIMITS.direct[kind] ? { method: 'direct' } : { tooLarge: LIMITS.direct[kind] };
  if (kind !== 'image' && size >= LIMITS.multipartFrom && size <= LIMITS.multipart[kind])
    return { method: 'multipart' };
  if (size <= LIMITS.direct[kind]) return { method: 'direct' };
  if (size <= LIMITS.multipart[kind]) return { method: 'multipart' };
  return { tooLarge: LIMITS.multipart[kind] };
}
