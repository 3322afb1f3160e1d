/**
 * The platform's objects as the app sees them: camelCase, `_id` → `id`. Imported by the core, the
 * contract and the renderer. Enum-like fields are open strings on purpose: the platform may add
 * values (the SDK lets unknown enum values through, and so do we).
 */

export type AssetStatus = 'processing' | 'ready' | 'failed' | (string & {});
export type AssetMethod = 'direct' | 'url' | 'multipart' | 'connector' | (string & {});
export type SubStatus = 'pending' | 'processing' | 'ready' | 'error' | (string & {});
/** What an asset is, by its content. Documents (PDF, text, Markdown) are assets too (JS 1.3.4). */
export const MEDIA_KINDS = ['video', 'audio', 'image', 'document'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];
export type UserMetadata = Record<string, string | number | boolean>;

export interface Asset {
  id: string;
  method?: AssetMethod;
  status?: AssetStatus;
  filename?: string;
  fileType?: string;
  createdAt?: string;
  userMetadata?: UserMetadata;
}

export interface AssetDetail extends Asset {
  hls?: { status?: SubStatus; manifestUrl?: string };
  thumbnail?: { status?: SubStatus; representativeUrl?: string };
  /** Technical metadata as the platform sends it (snake_case keys kept: it is shown, not computed on). */
  technicalMetadata?: Record<string, unknown>;
  size?: number;
  duration?: number;
  error?: { message: string };
}

export interface PageInfo {
  limitPerPage?: number;
  page?: number;
  totalPage?: number;
  totalResults?: number;
}

export interface Page<T> {
  data: T[];
  pageInfo: PageInfo;
}

export interface AssetListFilter {
  assetIds?: string[];
  assetTypes?: MediaKind[];
  filename?: string;
}

export interface IndexedAssetReference {
  id: string;
  indexId?: string;
  indexName?: string;
}

export interface UploadOptions {
  /** Kept by the platform as given; defaults to the file's or URL's name. */
  filename?: string;
  enableHls?: boolean;
  enableThumbnail?: boolean;
  userMetadata?: UserMetadata;
  /**
   * Index the asset into this index once it is ready (issue 17). '' means "upload without
   * indexing", whatever Settings choose; absent means Settings' default index, if any.
   */
  indexId?: string;
}

/**
 * What an asset is, from its `file_type` (a MIME type): documents are `application/pdf`,
 * `text/plain` and `text/markdown` (reference twelvelabs-api.md §2.1). Undefined when unknown.
 */
export function kindOfMime(mime: string | undefined): MediaKind | undefined {
  if (!mime) return undefined;
  if (mime === 'application/pdf' || mime.startsWith('text/')) return 'document';
  const top = mime.split('/')[0];
  return top === 'video' || top === 'audio' || top === 'image' ? top : undefined;
}
