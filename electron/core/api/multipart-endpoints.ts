import type { MediaKind, UploadOptions } from '../../shared/domain.ts';
import type { TransferOptions } from './client.ts';
import { madeSomething, ResponseFormatError } from './errors.ts';
import { fileRange, type FileIdentity } from './file-range.ts';
import type { HttpTransport } from './http-transport.ts';
import { CATEGORY } from './rate-gate.ts';
import {
  parseChunkReport,
  parseIncompleteUploads,
  parsePresignedUrls,
  parseUploadSession,
  parseUploadStatus,
  type ChunkReportResult,
  type IncompleteUpload,
  type PresignedUrl,
  type UploadSession,
  type UploadStatusPage,
} from './wire.ts';

/**
 * The multipart upload API (§7) and the presigned storage URLs it hands out: the part of the
 * client that large files go through (multipart-upload.ts drives it).
 */
export abstract class MultipartEndpoints {
  abstract readonly transport: HttpTransport;

  async createUploadSession(
    request: { filename: string; type: MediaKind; totalSize: number } & Omit<UploadOptions, 'filename'>,
    signal?: AbortSignal,
  ): Promise<UploadSession> {
    const res = await this.transport.call({
      method: 'POST',
      path: 'assets/multipart-uploads',
      category: CATEGORY.multipart,
      idempotent: false,
      signal,
      json: {
        filename: request.filename,
        type: request.type,
        total_size: request.totalSize,
        ...(request.enableHls !== undefined && { enable_hls: request.enableHls }),
        ...(request.enableThumbnail !== undefined && { enable_thumbnail: request.enableThumbnail }),
        ...(request.userMetadata && { user_metadata: request.userMetadata }),
      },
    });
    return madeSomething(() => parseUploadSession(res.body));
  }

  async requestPresignedUrls(
    uploadId: string,
    start: number,
    count: number,
    signal?: AbortSignal,
  ): Promise<PresignedUrl[]> {
    const res = await this.transport.call({
      method: 'POST',
      path: `assets/multipart-uploads/${encodeURIComponent(uploadId)}/presigned-urls`,
      json: { start, count },
      category: CATEGORY.multipart,
      // More URLs for the same chunks make nothing that matters: unused ones expire.
      idempotent: true,
      signal,
    });
    return parsePresignedUrls(res.body);
  }

  /** PUTs `length` bytes of the file at `start` to a presigned URL; returns the ETag, quotes removed. */
  async putChunk(
    url: string,
    source: { path: string; start: number; length: number; expected?: FileIdentity },
    options: TransferOptions & { headers?: Record<string, string> } = {},
  ): Promise<string> {
    const res = await this.transport.call({
      method: 'PUT',
      path: url,
      sendKey: false,
      category: CATEGORY.storage,
      signal: options.signal,
      onProgress: options.onProgress,
      limiter: options.limiter,
      headers: options.headers,
      // A 403 (expired or used URL) is answered by the caller with a fresh URL, not retried here.
      upload: {
        contentType: 'application/octet-stream',
        length: source.length,
        open: () => fileRange(source.path, source.start, source.length, source.expected),
      },
    });
    const etag = res.headers.etag;
    const value = Array.isArray(etag) ? etag[0] : etag;
    if (!value) throw new ResponseFormatError('The storage server did not return an ETag for the chunk.');
    return value.replace(/"/g, '');
  }

  /**
   * Repeats are counted as duplicates, so a report is retried, except the one that `completes`
   * the upload: its lost answer is an `OutcomeUnknownError` (see runMultipartUpload).
   */
  async reportChunks(
    uploadId: string,
    chunks: Array<{ index: number; etag: string; size: number }>,
    signal?: AbortSignal,
    options: { completes?: boolean } = {},
  ): Promise<ChunkReportResult> {
    const res = await this.transport.call({
      method: 'POST',
      path: `assets/multipart-uploads/${encodeURIComponent(uploadId)}`,
      json: {
        completed_chunks: chunks.map((c) => ({
          chunk_index: c.index,
          proof: c.etag,
          proof_type: 'etag',
          chunk_size: c.size,
        })),
      },
      category: CATEGORY.multipart,
      idempotent: !options.completes,
      signal,
    });
    return options.completes ? madeSomething(() => parseChunkReport(res.body)) : parseChunkReport(res.body);
  }

  /** The session's status with every chunk, all pages read. */
  async getUploadStatus(uploadId: string, signal?: AbortSignal): Promise<UploadStatusPage> {
    const chunks: UploadStatusPage['chunks'] = [];
    let first: UploadStatusPage | undefined;
    for (let page = 1; ; page++) {
      const res = await this.transport.call({
        method: 'GET',
        path: `assets/multipart-uploads/${encodeURIComponent(uploadId)}`,
        query: { page, page_limit: 50 },
        category: CATEGORY.multipart,
        signal,
      });
      const result = parseUploadStatus(res.body);
      first ??= result;
      chunks.push(...result.chunks);
      if (result.chunks.length === 0 || page >= (result.pageInfo.totalPage ?? page)) break;
    }
    return { ...first!, chunks };
  }

  async listIncompleteUploads(signal?: AbortSignal): Promise<IncompleteUpload[]> {
    const all: IncompleteUpload[] = [];
    for (let page = 1; ; page++) {
      const res = await this.transport.call({
        method: 'GET',
        path: 'assets/multipart-uploads',
        query: { page, page_limit: 50 },
        category: CATEGORY.multipart,
        signal,
      });
      const result = parseIncompleteUploads(res.body);
      all.push(...result.data);
      if (result.data.length === 0 || page >= (result.pageInfo.totalPage ?? page)) return all;
    }
  }
}
