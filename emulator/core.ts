import { rename, rm } from 'node:fs/promises';
import { FaultInjector } from './faults.ts';
import { newObjectId } from './ids.ts';
import { IndexingWork } from './indexing.ts';
import { ingestStream, TooLargeError } from './ingest.ts';
import { mediaToken } from './media-token.ts';
import { DEFAULT_LIMITS, type MediaKind, type UploadLimits } from './limits.ts';
import { BackgroundWork } from './background-work.ts';
import { prepareStream } from './hls-remux.ts';
import { probeMedia } from './media-probe.ts';
import { settleDocument } from './sniff-document.ts';
import { RateLimiter, type RateLimit } from './rate-limiter.ts';
import { RequestLog } from './request-log.ts';
import type { BlobStore, EmulatorState } from './state.ts';
import { type AssetRecord } from './state.ts';
import { FetchError, openUrl } from './url-fetch.ts';

export interface EmulatorSettings {
  /** Time from "the bytes are in" to `ready`/`failed`. 0 is allowed. */
  processingMs: number;
  /** Time from `POST …/indexed-assets` to `ready`/`failed` (half `pending`, half `indexing`). */
  indexingMs: number;
  limits: UploadLimits;
  /**
   * Rate limits by category (`assets:create`, `assets:multipart`, `assets:read`, `indexes`); by
   * default only the platform's rate-limited routes, generously (`PLATFORM_RATE_LIMITS`).
   */
  rateLimits: Record<string, RateLimit>;
  /** Ingest bandwidth for uploads (direct and chunk PUTs), bytes per second; 0 = unlimited. */
  ingestBytesPerSecond: number;
  /** Added to every API request. */
  latencyMs: number;
  presignedUrlTtlMs: number;
  sessionTtlMs: number;
  /** Multipart chunk size; by default `max(5 MiB, ceil(total_size / 10000))`. */
  chunkSize?: number;
  /** How many presigned URLs a new multipart session comes with. */
  initialPresignedUrls: number;
}

/**
 * The routes the docs call rate-limited (§6: `POST /assets`; `POST /indexes/{id}/indexed-assets`,
 * which shares its category with `POST /tasks`) are always limited on the platform, so their
 * answers always carry `X-Ratelimit-*`. The per-plan figures are not published: these are far
 * above anything a test or a person reaches, so only a configured limit ever refuses.
 */
export const PLATFORM_RATE_LIMITS: Record<string, RateLimit> = {
  'assets:create': { limit: 100_000, windowSeconds: 60 },
  indexes: { limit: 100_000, windowSeconds: 60 },
};

/** HLS can apply: video, audio, or not known yet (a URL still being fetched). */
const isPlayable = (kind: MediaKind | undefined) =>
  kind === undefined || kind === 'video' || kind === 'audio';

export const DEFAULT_SETTINGS: EmulatorSettings = {
  processingMs: 1500,
  indexingMs: 3000,
  limits: DEFAULT_LIMITS,
  rateLimits: PLATFORM_RATE_LIMITS,
  ingestBytesPerSecond: 0,
  latencyMs: 0,
  presignedUrlTtlMs: 60 * 60 * 1000,
  sessionTtlMs: 24 * 60 * 60 * 1000,
  initialPresignedUrls: 10,
};

/** Everything the routes share: state, bytes, settings, faults, limits, the request log, processing. */
export class EmulatorCore {
  readonly faults = new FaultInjector();
  readonly log = new RequestLog();
  readonly rateLimiter: RateLimiter;
  readonly indexing: IndexingWork;
  private readonly work = new BackgroundWork();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly downloads = new Map<string, AbortController>();

  constructor(
    readonly state: EmulatorState,
    readonly blobs: BlobStore,
    readonly settings: EmulatorSettings,
    readonly apiKey: string | undefined,
    /** Signs the media URLs (media-token.ts). */
    readonly mediaSecret: Buffer,
  ) {
    this.rateLimiter = new RateLimiter(settings.rateLimits);
    this.indexing = new IndexingWork(state, this.faults, () => this.settings.indexingMs, this.work);
  }

  /** `origin/media/<id>/<token>`: where an asset's thumbnail, HLS and source are served. */
  mediaBase(origin: string, assetId: string): string {
    return `${origin}/media/${assetId}/${mediaToken(this.mediaSecret, assetId)}`;
  }

  newAsset(fields: Omit<AssetRecord, 'id' | 'seq' | 'createdAt' | 'status'>): AssetRecord {
    const now = Date.now();
    const asset: AssetRecord = {
      id: newObjectId(now),
      seq: this.state.nextSeq(),
      createdAt: new Date(now).toISOString(),
      status: 'processing',
      ...fields,
      // `enable_hls` is for video and audio; it is ignored for images and documents (§1.2).
      hlsStatus: fields.enableHls && isPlayable(fields.sniffed?.kind) ? 'pending' : undefined,
      thumbnailStatus: fields.enableThumbnail ? 'pending' : undefined,
    };
    this.state.assets.set(asset.id, asset);
    this.state.changed();
    return asset;
  }

  /** The bytes of an asset are in place: it turns `ready` or `failed` after the processing delay. */
  scheduleProcessing(assetId: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.work.run('processing', (signal) => this.finishProcessing(assetId, signal));
    }, this.settings.processingMs);
    this.timers.add(timer);
  }

  private async finishProcessing(assetId: string, signal: AbortSignal): Promise<void> {
    const asset = this.state.assets.get(assetId);
    if (!asset || asset.status !== 'processing') return;
    const forced = this.faults.take('processing');
    const kind = asset.sniffed?.kind;
    if (forced?.outcome === 'failed')
      return this.fail(asset, forced.message ?? 'The file could not be decoded.');
    if (asset.sniffed && !kind)
      return this.fail(
        asset,
        'The file is not a supported video, audio or image file, nor a PDF, text or Markdown document.',
        {
          file_size_bytes: asset.size,
          file_mime_type: asset.sniffed.mime,
        },
      );
    const probe =
      asset.blobPath && asset.sniffed
        ? await probeMedia(asset.blobPath, asset.sniffed, asset.size ?? 0)
        : undefined;
    // A stream only where the Sandbox can make one without transcoding (hls-stream.ts,
    // hls-remux.ts); for any other file HLS was asked for and not made: `error`.
    const streamable =
      asset.enableHls && asset.blobPath && (kind === 'video' || kind === 'audio')
        ? await prepareStream(asset.blobPath, signal)
        : false;
    if (!this.state.assets.has(assetId)) return; // deleted while probing
    if (signal.aborted) return; // stopped: still processing when saved, resumed at the next start
    asset.status = 'ready';
    asset.duration = probe?.duration ?? asset.duration;
    asset.technicalMetadata = probe?.technicalMetadata ??
      asset.technicalMetadata ?? { file_size_bytes: asset.size };
    asset.hlsStatus =
      asset.enableHls && (kind === 'video' || kind === 'audio')
        ? streamable
          ? 'ready'
          : 'error'
        : undefined;
    // PDFs get their first page as a thumbnail; text and Markdown get none (JS 1.3.4).
    asset.thumbnailStatus =
      asset.enableThumbnail && asset.sniffed?.container !== 'text' ? 'ready' : undefined;
    this.state.changed();
  }

  fail(asset: AssetRecord, message: string, technicalMetadata?: Record<string, unknown>): void {
    asset.status = 'failed';
    asset.errorMessage = message;
    if (technicalMetadata) asset.technicalMetadata = technicalMetadata;
    if (asset.hlsStatus) asset.hlsStatus = 'error';
    if (asset.thumbnailStatus) asset.thumbnailStatus = 'error';
    this.state.changed();
  }

  /** `method=url`: the platform downloads the file itself, then processes it. */
  startDownload(asset: AssetRecord): void {
    const controller = new AbortController();
    this.downloads.set(asset.id, controller);
    const limits = this.settings.limits.url;
    const tmp = this.blobs.incomingPath(`${asset.id}.download`);
    this.work.run('download', async () => {
      let res: Awaited<ReturnType<typeof openUrl>> | undefined;
      try {
        res = await openUrl(asset.sourceUrl!, controller.signal);
        const ingested = await ingestStream(res, tmp, (s) =>
          s.kind ? limits[s.kind] : Math.max(limits.video, limits.audio),
        );
        const { size } = ingested;
        const current = this.state.assets.get(asset.id);
        if (!current) return;
        const decided = settleDocument(ingested.sniffed, current.filename);
        if ('problem' in decided) {
          await rm(tmp, { force: true });
          return this.fail(current, decided.problem);
        }
        const { sniffed } = decided;
        await rename(tmp, this.blobs.blobPath(asset.id));
        current.blobPath = this.blobs.blobPath(asset.id);
        current.sniffed = sniffed;
        if (!isPlayable(sniffed.kind)) current.hlsStatus = undefined;
        current.size = size;
        this.state.changed();
        this.scheduleProcessing(asset.id);
      } catch (error) {
        res?.destroy();
        if (controller.signal.aborted) return;
        const current = this.state.assets.get(asset.id);
        if (!current) return;
        const message =
          error instanceof FetchError || error instanceof TooLargeError
            ? error.message
            : `The file could not be downloaded: ${(error as Error).message}.`;
        this.fail(current, message);
      } finally {
        this.downloads.delete(asset.id);
      }
    });
  }

  /** After a restart with a data directory: pick up processing and downloads where they were. */
  resumeWork(): void {
    this.indexing.resume();
    for (const asset of this.state.assets.values()) {
      if (asset.status !== 'processing' || asset.hidden) continue;
      if (asset.blobPath || !asset.sourceUrl) this.scheduleProcessing(asset.id);
      else this.startDownload(asset);
    }
  }

  async removeAsset(assetId: string): Promise<void> {
    this.downloads.get(assetId)?.abort();
    this.state.assets.delete(assetId);
    for (const [id, ia] of this.state.indexedAssets)
      if (ia.assetId === assetId) this.state.indexedAssets.delete(id);
    this.state.changed();
    await this.blobs.removeBlob(assetId);
  }

  async reset(): Promise<void> {
    await this.stopWork();
    this.state.clear();
    this.faults.clear();
    this.log.clear();
    this.rateLimiter.configure(this.settings.rateLimits);
    await this.blobs.clear();
  }

  /** Stops every timer and download, and resolves once the work under way has ended. */
  async stopWork(): Promise<void> {
    this.indexing.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.downloads.values()) c.abort();
    this.downloads.clear();
    await this.work.stop();
  }
}
