import { z } from 'zod';
import type { Asset, AssetDetail, IndexedAssetReference, Page, PageInfo } from '../../shared/domain.ts';
import { ResponseFormatError } from './errors.ts';

/**
 * The platform's JSON, validated as leniently as the official SDK does (§8.2): unknown fields and
 * unknown enum values pass, `null` counts as absent, wrong types fail. Then mapped to camelCase.
 */
const opt = <T extends z.ZodTypeAny>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const metadataValue = z.union([z.string(), z.number(), z.boolean()]);

const assetWire = z.looseObject({
  _id: z.string(),
  method: opt(z.string()),
  status: opt(z.string()),
  filename: opt(z.string()),
  file_type: opt(z.string()),
  created_at: opt(z.string()),
  user_metadata: opt(z.record(z.string(), metadataValue)),
});

const assetDetailWire = assetWire.extend({
  hls: opt(z.looseObject({ status: opt(z.string()), manifest_url: opt(z.string()) })),
  thumbnail: opt(z.looseObject({ status: opt(z.string()), representative_url: opt(z.string()) })),
  technical_metadata: opt(z.record(z.string(), z.unknown())),
  size: opt(z.number()),
  duration: opt(z.number()),
  error: opt(z.looseObject({ message: z.string() })),
});

const pageInfoWire = z.looseObject({
  limit_per_page: opt(z.number().int()),
  page: opt(z.number().int()),
  total_page: opt(z.number().int()),
  total_results: opt(z.number().int()),
});

export function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ResponseFormatError(
      `TwelveLabs sent an unexpected ${what} (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}).`,
    );
  }
  return result.data;
}

function toAsset(w: z.output<typeof assetWire>): Asset {
  return dropUndefined({
    id: w._id,
    method: w.method,
    status: w.status,
    filename: w.filename,
    fileType: w.file_type,
    createdAt: w.created_at,
    userMetadata: w.user_metadata,
  });
}

function toAssetDetail(w: z.output<typeof assetDetailWire>): AssetDetail {
  return dropUndefined({
    ...toAsset(w),
    hls: w.hls && dropUndefined({ status: w.hls.status, manifestUrl: w.hls.manifest_url }),
    thumbnail:
      w.thumbnail &&
      dropUndefined({ status: w.thumbnail.status, representativeUrl: w.thumbnail.representative_url }),
    technicalMetadata: w.technical_metadata,
    size: w.size,
    duration: w.duration,
    error: w.error && { message: w.error.message },
  });
}

function toPageInfo(w: z.output<typeof pageInfoWire> | undefined): PageInfo {
  if (!w) return {};
  return dropUndefined({
    limitPerPage: w.limit_per_page,
    page: w.page,
    totalPage: w.total_page,
    totalResults: w.total_results,
  });
}

export const parseAsset = (body: unknown): Asset => toAsset(parse(assetWire, body, 'asset'));
export const parseAssetDetail = (body: unknown): AssetDetail =>
  toAssetDetail(parse(assetDetailWire, body, 'asset'));

export function parseAssetPage(body: unknown): Page<AssetDetail> {
  const w = parse(
    z.looseObject({ data: z.array(assetDetailWire), page_info: opt(pageInfoWire) }),
    body,
    'asset list',
  );
  return { data: w.data.map(toAssetDetail), pageInfo: toPageInfo(w.page_info) };
}

export function parseIndexedAssetPage(body: unknown): Page<IndexedAssetReference> {
  const item = z.looseObject({
    _id: z.string(),
    // `IndexedAssetSummary` (twelvelabs-indexes.md §2.4): the index's name is `name`; an older
    // `index_name` is read too rather than showing no name.
    index: opt(z.looseObject({ _id: opt(z.string()), name: opt(z.string()), index_name: opt(z.string()) })),
  });
  const w = parse(
    z.looseObject({ data: z.array(item), page_info: opt(pageInfoWire) }),
    body,
    'indexed-asset list',
  );
  return {
    data: w.data.map((i) =>
      dropUndefined({ id: i._id, indexId: i.index?._id, indexName: i.index?.name ?? i.index?.index_name }),
    ),
    pageInfo: toPageInfo(w.page_info),
  };
}

// ---- multipart upload (§7) ----

const presignedUrlWire = z.looseObject({
  chunk_index: z.number().int(),
  url: z.string(),
  expires_at: opt(z.string()),
});

export interface PresignedUrl {
  chunkIndex: number;
  url: string;
  expiresAt?: string;
}

export interface UploadSession {
  uploadId: string;
  assetId: string;
  chunkSize: number;
  totalChunks: number;
  expiresAt?: string;
  uploadUrls: PresignedUrl[];
  uploadHeaders: Record<string, string>;
}

const toPresigned = (u: z.output<typeof presignedUrlWire>): PresignedUrl =>
  dropUndefined({ chunkIndex: u.chunk_index, url: u.url, expiresAt: u.expires_at });

export function parseUploadSession(body: unknown): UploadSession {
  const w = parse(
    z.looseObject({
      upload_id: z.string(),
      asset_id: z.string(),
      chunk_size: z.number().int().positive(),
      total_chunks: z.number().int().positive(),
      expires_at: opt(z.string()),
      upload_urls: opt(z.array(presignedUrlWire)),
      upload_headers: opt(z.record(z.string(), z.string())),
    }),
    body,
    'upload session',
  );
  return dropUndefined({
    uploadId: w.upload_id,
    assetId: w.asset_id,
    chunkSize: w.chunk_size,
    totalChunks: w.total_chunks,
    expiresAt: w.expires_at,
    uploadUrls: (w.upload_urls ?? []).map(toPresigned),
    uploadHeaders: w.upload_headers ?? {},
  });
}

export function parsePresignedUrls(body: unknown): PresignedUrl[] {
  const w = parse(z.looseObject({ upload_urls: opt(z.array(presignedUrlWire)) }), body, 'presigned URL list');
  return (w.upload_urls ?? []).map(toPresigned);
}

export interface ChunkReportResult {
  url?: string;
  assetId?: string;
  processedChunks?: number;
  duplicateChunks?: number;
  totalCompleted?: number;
}

export function parseChunkReport(body: unknown): ChunkReportResult {
  const w = parse(
    z.looseObject({
      url: opt(z.string()),
      asset_id: opt(z.string()),
      processed_chunks: opt(z.number().int()),
      duplicate_chunks: opt(z.number().int()),
      total_completed: opt(z.number().int()),
    }),
    body,
    'chunk report answer',
  );
  return dropUndefined({
    url: w.url,
    assetId: w.asset_id,
    processedChunks: w.processed_chunks,
    duplicateChunks: w.duplicate_chunks,
    totalCompleted: w.total_completed,
  });
}

export interface UploadStatusPage {
  status?: string;
  chunks: Array<{ index: number; status?: string }>;
  chunksCompleted?: number;
  pageInfo: PageInfo;
}

export function parseUploadStatus(body: unknown): UploadStatusPage {
  const w = parse(
    z.looseObject({
      status: opt(z.string()),
      uploaded_chunks: opt(z.array(z.looseObject({ index: z.number().int(), status: opt(z.string()) }))),
      chunks_completed: opt(z.number().int()),
      page_info: opt(pageInfoWire),
    }),
    body,
    'upload status',
  );
  return dropUndefined({
    status: w.status,
    chunks: (w.uploaded_chunks ?? []).map((c) => dropUndefined({ index: c.index, status: c.status })),
    chunksCompleted: w.chunks_completed,
    pageInfo: toPageInfo(w.page_info),
  });
}

export interface IncompleteUpload {
  uploadId: string;
  status: string;
  totalSize: number;
  chunkSize: number;
  totalChunks: number;
  createdAt?: string;
  expiresAt?: string;
}

export function parseIncompleteUploads(body: unknown): Page<IncompleteUpload> {
  const item = z.looseObject({
    upload_id: z.string(),
    status: z.string(),
    total_size: z.number().int(),
    chunk_size: z.number().int(),
    total_chunks: z.number().int(),
    created_at: opt(z.string()),
    expires_at: opt(z.string()),
  });
  const w = parse(
    z.looseObject({ data: z.array(item), page_info: pageInfoWire }),
    body,
    'incomplete upload list',
  );
  return {
    data: w.data.map((i) =>
      dropUndefined({
        uploadId: i.upload_id,
        status: i.status,
        totalSize: i.total_size,
        chunkSize: i.chunk_size,
        totalChunks: i.total_chunks,
        createdAt: i.created_at,
        expiresAt: i.expires_at,
      }),
    ),
    pageInfo: toPageInfo(w.page_info),
  };
}

/** Optional fields are left out rather than set to undefined, so objects compare and serialise cleanly. */
function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
