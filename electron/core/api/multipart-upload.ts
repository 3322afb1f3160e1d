import type { MediaKind, UploadOptions } from '../../shared/domain.ts';
import type { UndiciTwelveLabsClient } from './client.ts';
import type { BandwidthLimiter } from './counted-body.ts';
import { AbortedError, ApiError, OutcomeUnknownError, TwelveLabsError } from './errors.ts';
import type { ChunkReportResult, PresignedUrl } from './wire.ts';
import { isLostSession } from './platform-answers.ts';

/**
 * Everything needed to resume a multipart upload after a crash: plain JSON, saved by the caller
 * each time it changes (a chunk's ETag lands, a batch is reported).
 */
export interface MultipartHandle {
  uploadId: string;
  assetId: string;
  path: string;
  size: number;
  /** The file's modification time when the session began: a change means a new upload. */
  mtimeMs?: number;
  chunkSize: number;
  totalChunks: number;
  expiresAt?: string;
  uploadHeaders: Record<string, string>;
  /** Chunks whose bytes the storage took (ETag), and whether the platform has been told. */
  chunks: Record<string, { etag: string; reported: boolean }>;
}

export interface MultipartProgress {
  /** Bytes of chunks the storage confirmed with an ETag. */
  confirmedBytes: number;
  /** Bytes of chunks being sent right now (resets when an attempt restarts). */
  inFlightBytes: number;
  totalBytes: number;
}

export interface MultipartRunOptions {
  signal?: AbortSignal;
  /** Chunks sent at once. */
  concurrency?: number;
  /** Chunks reported per call (any order, §7). */
  reportBatchSize?: number;
  limiter?: BandwidthLimiter;
  onProgress?: (progress: MultipartProgress) => void;
  /** Persist the handle: called after every change to it. */
  onHandleChange?: (handle: MultipartHandle) => void | Promise<void>;
}

/** The session is gone (expired after 24 h, or failed): start over with a new one. */
export class UploadSessionLostError extends TwelveLabsError {
  readonly retryable = false;
  constructor(readonly sessionStatus: string) {
    super(`The upload session is ${sessionStatus}; the upload has to start again.`);
    this.name = 'UploadSessionLostError';
  }
}

const URL_SAFETY_MARGIN_MS = 30_000;

export async function startMultipartUpload(
  client: UndiciTwelveLabsClient,
  file: { path: string; size: number; type: MediaKind; filename: string; mtimeMs?: number },
  options: Omit<UploadOptions, 'filename'> & { signal?: AbortSignal } = {},
): Promise<{ handle: MultipartHandle; urls: PresignedUrl[] }> {
  const session = await client.createUploadSession(
    { filename: file.filename, type: file.type, totalSize: file.size, ...options },
    options.signal,
  );
  return {
    handle: {
      uploadId: session.uploadId,
      assetId: session.assetId,
      path: file.path,
      size: file.size,
      mtimeMs: file.mtimeMs,
      chunkSize: session.chunkSize,
      totalChunks: session.totalChunks,
      expiresAt: session.expiresAt,
      uploadHeaders: session.uploadHeaders,
      chunks: {},
    },
    urls: session.uploadUrls,
  };
}

/**
 * Sends whatever chunks the handle does not have yet, reports them, and returns once the platform
 * has the whole file. Works the same for a fresh session and for one resumed after a crash: on
 * resume, the platform's own view of the session is read first, so nothing is sent twice.
 */
export async function runMultipartUpload(
  client: UndiciTwelveLabsClient,
  handle: MultipartHandle,
  options: MultipartRunOptions = {},
  initialUrls: PresignedUrl[] = [],
): Promise<{ assetId: string }> {
  // An expired or unknown session, in whatever form the platform says it (platform-answers.ts).
  return sendMissingChunks(client, handle, options, initialUrls).catch((error: unknown) => {
    throw isLostSession(error) ? new UploadSessionLostError('expired or unknown') : error;
  });
}

async function sendMissingChunks(
  client: UndiciTwelveLabsClient,
  handle: MultipartHandle,
  options: MultipartRunOptions,
  initialUrls: PresignedUrl[],
): Promise<{ assetId: string }> {
  // Stopped by the caller, or by the first part that fails: then every part in flight is aborted
  // at once (its connection reset, http-transport.ts) and no further part is sent.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const urls = new Map<number, PresignedUrl>(initialUrls.map((u) => [u.chunkIndex, u]));
  const saved = async () => options.onHandleChange?.(handle);
  const chunkLength = (index: number) =>
    index < handle.totalChunks ? handle.chunkSize : handle.size - handle.chunkSize * (handle.totalChunks - 1);

  if (initialUrls.length === 0) {
    const status = await client.getUploadStatus(handle.uploadId, signal);
    if (status.status === 'completed') return { assetId: await completedAssetId(client, handle, signal) };
    if (status.status === 'expired' || status.status === 'failed')
      throw new UploadSessionLostError(status.status);
    for (const chunk of status.chunks) {
      const known = handle.chunks[chunk.index];
      if (chunk.status === 'completed')
        handle.chunks[chunk.index] = { etag: known?.etag ?? '', reported: true };
    }
    await saved();
  }

  const inFlight = new Map<number, number>();
  const progress = () => {
    let confirmed = 0;
    for (const index of Object.keys(handle.chunks)) confirmed += chunkLength(Number(index));
    let moving = 0;
    for (const sent of inFlight.values()) moving += sent;
    options.onProgress?.({ confirmedBytes: confirmed, inFlightBytes: moving, totalBytes: handle.size });
  };
  progress();

  const pending: number[] = [];
  for (let i = 1; i <= handle.totalChunks; i++) if (!handle.chunks[i]) pending.push(i);

  let urlRequest: Promise<void> | undefined;
  const fetchUrls = async (from: number) => {
    // One request at a time; it brings up to 50 URLs from the lowest chunk still needing one.
    if (!urlRequest) {
      const start = Math.min(from, ...pending.filter((i) => !urls.has(i)));
      urlRequest = client
        .requestPresignedUrls(handle.uploadId, start, Math.min(50, handle.totalChunks - start + 1), signal)
        .then((fresh) => {
          for (const u of fresh) urls.set(u.chunkIndex, u);
        })
        .catch((error: unknown) => {
          if (error instanceof ApiError && error.code === 'upload_expired')
            throw new UploadSessionLostError('expired');
          throw error;
        })
        .finally(() => {
          urlRequest = undefined;
        });
    }
    await urlRequest;
  };
  const urlFor = async (index: number): Promise<string> => {
    for (let tries = 0; tries < 3; tries++) {
      const cached = urls.get(index);
      const fresh =
        cached && (!cached.expiresAt || Date.parse(cached.expiresAt) - Date.now() > URL_SAFETY_MARGIN_MS);
      if (fresh) return cached.url;
      urls.delete(index);
      await fetchUrls(index);
    }
    throw new ApiError(400, undefined, `No upload URL could be obtained for chunk ${index}.`);
  };

  const sendChunk = async (index: number) => {
    for (let tries = 1; ; tries++) {
      const url = await urlFor(index);
      urls.delete(index); // single use
      try {
        const etag = await client.putChunk(
          url,
          {
            path: handle.path,
            start: (index - 1) * handle.chunkSize,
            length: chunkLength(index),
            expected:
              handle.mtimeMs !== undefined ? { size: handle.size, mtimeMs: handle.mtimeMs } : undefined,
          },
          {
            signal,
            limiter: options.limiter,
            headers: handle.uploadHeaders,
            onProgress: (sent) => {
              inFlight.set(index, sent);
              progress();
            },
          },
        );
        inFlight.delete(index);
        handle.chunks[index] = { etag, reported: false };
        await saved();
        progress();
        return;
      } catch (error) {
        inFlight.delete(index);
        progress();
        // An expired or already-used URL: get a fresh one and send the chunk again.
        if (error instanceof ApiError && error.status === 403 && tries < 3) continue;
        throw error;
      }
    }
  };

  let completedUrl: string | undefined;
  let reporting = Promise.resolve();
  const reportReady = (all: boolean) => {
    reporting = reporting.then(async () => {
      const unreported = Object.entries(handle.chunks).filter(([, c]) => !c.reported);
      const batchSize = options.reportBatchSize ?? 10;
      while (unreported.length >= (all ? 1 : batchSize)) {
        const batch = unreported.splice(0, batchSize);
        const chunks = batch.map(([index, c]) => ({
          index: Number(index),
          etag: c.etag,
          size: chunkLength(Number(index)),
        }));
        const reported = Object.values(handle.chunks).filter((c) => c.reported).length;
        const result =
          reported + batch.length === handle.totalChunks
            ? await reportCompletion(client, handle, chunks, signal)
            : await client.reportChunks(handle.uploadId, chunks, signal);
        for (const [, c] of batch) c.reported = true;
        if (result.url) completedUrl = result.url;
        if (result.assetId) handle.assetId = result.assetId;
        await saved();
      }
    });
    return reporting;
  };

  let firstFailure: { error: unknown } | undefined;
  const workers = Array.from(
    { length: Math.min(options.concurrency ?? 4, Math.max(pending.length, 1)) },
    async () => {
      try {
        for (let index = pending.shift(); index !== undefined; index = pending.shift()) {
          if (signal.aborted) throw new AbortedError();
          await sendChunk(index);
          // Not lost: a failed report stays in the chain and is thrown by the final reportReady(true).
          void reportReady(false).catch(() => undefined);
        }
      } catch (error) {
        if (!stop.signal.aborted) firstFailure = { error };
        stop.abort(error);
      }
    },
  );
  // Every worker has stopped before this returns or throws: a cancel that "is done" has no part
  // still streaming behind it. The first failure is the one said (the others followed from it).
  await Promise.all(workers);
  if (firstFailure) {
    await reporting.catch(() => undefined); // aborted with the rest; its failure is not the cause
    throw firstFailure.error;
  }
  await reportReady(true);

  if (!completedUrl) {
    // Every chunk is reported; if no answer carried the completion URL (some were duplicates),
    // ask the session itself.
    const status = await client.getUploadStatus(handle.uploadId, signal);
    if (status.status !== 'completed' && status.status !== 'active')
      throw new UploadSessionLostError(status.status ?? 'unknown');
  }
  if (!handle.assetId) throw new UploadSessionLostError('without an asset');
  return { assetId: handle.assetId };
}

type ChunkProof = { index: number; etag: string; size: number };

/**
 * The report that completes the upload turns the session into an asset: it is not sent blindly a
 * second time. When its answer is lost, the session says whether it landed. Either way a repeat
 * is then harmless: the asset was reserved with the session (one session, one asset), so it can
 * only complete an upload that is still active, or, once completed, draw the platform's answer
 * (with the asset id) for chunks it calls duplicates.
 */
async function reportCompletion(
  client: UndiciTwelveLabsClient,
  handle: MultipartHandle,
  chunks: ChunkProof[],
  signal: AbortSignal | undefined,
): Promise<ChunkReportResult> {
  try {
    return await client.reportChunks(handle.uploadId, chunks, signal, { completes: true });
  } catch (error) {
    if (!(error instanceof OutcomeUnknownError)) throw error;
    const status = await client.getUploadStatus(handle.uploadId, signal);
    if (status.status === 'completed' && handle.assetId) return { assetId: handle.assetId };
    if (status.status !== 'completed' && status.status !== 'active')
      throw new UploadSessionLostError(status.status ?? 'unknown');
    return client.reportChunks(handle.uploadId, chunks, signal);
  }
}

/**
 * The asset of a session found completed when resuming. An adopted session (its create answer was
 * lost) learns its asset id from a report; if the answer to the last one was lost too, a repeated
 * report of a chunk we sent draws it (a completed session cannot complete again).
 */
async function completedAssetId(
  client: UndiciTwelveLabsClient,
  handle: MultipartHandle,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (handle.assetId) return handle.assetId;
  const known = Object.entries(handle.chunks).find(([, c]) => c.etag);
  if (!known) throw new UploadSessionLostError('completed');
  const [index, chunk] = known;
  const size =
    Number(index) < handle.totalChunks
      ? handle.chunkSize
      : handle.size - handle.chunkSize * (handle.totalChunks - 1);
  const result = await client.reportChunks(
    handle.uploadId,
    [{ index: Number(index), etag: chunk.etag, size }],
    signal,
  );
  if (!result.assetId) throw new UploadSessionLostError('completed');
  handle.assetId = result.assetId;
  return result.assetId;
}
