import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type {
  Asset,
  AssetDetail,
  AssetListFilter,
  IndexedAssetReference,
  Page,
  UploadOptions,
  UserMetadata,
} from '../../shared/domain.ts';
import { defaultLogger, systemClock, type Clock, type Logger } from '../ports.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { BandwidthLimiter } from './counted-body.ts';
import type { FileIdentity } from './file-range.ts';
import { AbortedError, madeSomething, SourceChangedError } from './errors.ts';
import { formBody } from './form-body.ts';
import { resettableConnector } from './connection-reset.ts';
import { HttpTransport } from './http-transport.ts';
import { MultipartEndpoints } from './multipart-endpoints.ts';
import { CATEGORY, RateLimitGate } from './rate-gate.ts';
import { parseAsset, parseAssetDetail, parseAssetPage, parseIndexedAssetPage } from './wire.ts';

export const DEFAULT_BASE_URL = 'https://api.twelvelabs.io/v1.3';

export { CATEGORY } from './rate-gate.ts';

export interface TwelveLabsClientOptions {
  baseUrl?: string;
  apiKey: () => string | undefined;
  version?: string;
  clock?: Clock;
  logger?: Logger;
  dispatcher?: Dispatcher;
  backoff?: BackoffPolicy;
  stallTimeoutMs?: number;
  responseTimeoutMs?: number;
  random?: () => number;
}

export interface TransferOptions {
  signal?: AbortSignal;
  /** Bytes of the current attempt handed to the socket, and the body's total. */
  onProgress?: (sent: number, total: number) => void;
  /**
   * The last bytes of an attempt's body were just handed to the socket: from here on the platform
   * may create the asset even if the request is cut (the kernel still delivers what it holds).
   */
  onBodyHandedOver?: () => void;
  limiter?: BandwidthLimiter;
}

export interface SettleOptions {
  signal?: AbortSignal;
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  onUpdate?: (asset: AssetDetail) => void;
}

/**
 * The main process's only door to the platform: the TwelveLabs v1.3 Assets API over undici
 * (`request()`, never `fetch()`: bodies are streamed from disk, memory stays flat).
 */
export class UndiciTwelveLabsClient extends MultipartEndpoints {
  readonly transport: HttpTransport;
  readonly gate: RateLimitGate;
  private readonly clock: Clock;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(options: TwelveLabsClientOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.gate = new RateLimitGate(this.clock, 250, options.random);
    this.ownsDispatcher = !options.dispatcher;
    // HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured, as users behind a corporate proxy expect.
    // Its connections can be reset when an upload is stopped (connection-reset.ts).
    this.dispatcher =
      options.dispatcher ??
      new EnvHttpProxyAgent({ connections: 32, keepAliveTimeout: 10_000, connect: resettableConnector() });
    this.transport = new HttpTransport({
      baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
      apiKey: options.apiKey,
      userAgent: `tl-uploader/${options.version ?? '0.0.0'}`,
      dispatcher: this.dispatcher,
      clock: this.clock,
      logger: options.logger ?? defaultLogger,
      gate: this.gate,
      backoff: options.backoff,
      stallTimeoutMs: options.stallTimeoutMs,
      responseTimeoutMs: options.responseTimeoutMs,
      random: options.random,
    });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  // ---- assets ----

  /** `POST /assets` with `method=direct`: one streamed multipart/form-data request. */
  async createAssetFromFile(
    path: string,
    options: UploadOptions & TransferOptions & { expected?: FileIdentity } = {},
  ): Promise<Asset> {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new SourceChangedError(
        error.code === 'ENOENT'
          ? `The file ${basename(path)} no longer exists.`
          : `The file ${basename(path)} cannot be read (${error.code}).`,
      );
    });
    if (!info.isFile()) throw new SourceChangedError(`${basename(path)} is not a file.`);
    const fields: Array<[string, string]> = [['method', 'direct'], ...optionFields(options)];
    const body = formBody(fields, {
      field: 'file',
      path,
      size: info.size,
      name: options.filename ?? basename(path),
      expected: options.expected,
    });
    return this.postAsset(body, options);
  }

  /** `POST /assets` with `method=url`: the platform downloads the file itself. */
  async createAssetFromUrl(
    url: string,
    options: UploadOptions & { signal?: AbortSignal } = {},
  ): Promise<Asset> {
    return this.postAsset(formBody([['method', 'url'], ['url', url], ...optionFields(options)]), options);
  }

  /** Not idempotent: a lost answer is an `OutcomeUnknownError`, never a second asset. */
  private async postAsset(body: ReturnType<typeof formBody>, options: TransferOptions): Promise<Asset> {
    const res = await this.transport.call({
      method: 'POST',
      path: 'assets',
      upload: body,
      category: CATEGORY.create,
      idempotent: false,
      signal: options.signal,
      onProgress: options.onProgress,
      onBodyHandedOver: options.onBodyHandedOver,
      limiter: options.limiter,
    });
    return madeSomething(() => parseAsset(res.body));
  }

  async listAssetsPage(
    query: AssetListFilter & { page?: number; pageLimit?: number } = {},
    signal?: AbortSignal,
  ): Promise<Page<AssetDetail>> {
    const res = await this.transport.call({
      method: 'GET',
      path: 'assets',
      category: CATEGORY.read,
      signal,
      query: {
        page: query.page,
        page_limit: query.pageLimit,
        asset_ids: query.assetIds,
        asset_types: query.assetTypes,
        filename: query.filename,
      },
    });
    return parseAssetPage(res.body);
  }

  /** Every asset, newest first, page by page; stops on an empty page or the last page `page_info` names. */
  async *listAssets(
    filter: AssetListFilter = {},
    options: { pageLimit?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<AssetDetail> {
    for (let page = 1; ; page++) {
      const result = await this.listAssetsPage(
        { ...filter, page, pageLimit: options.pageLimit ?? 50 },
        options.signal,
      );
      yield* result.data;
      if (result.data.length === 0) return;
      if (result.pageInfo.totalPage !== undefined && page >= result.pageInfo.totalPage) return;
    }
  }

  /** One cheap request, no retries: is the platform reachable and the key accepted? */
  async probe(signal?: AbortSignal): Promise<void> {
    await this.transport.call({
      method: 'GET',
      path: 'assets',
      query: { page_limit: 1 },
      category: CATEGORY.read,
      signal,
      retry: false,
    });
  }

  async retrieveAsset(assetId: string, signal?: AbortSignal): Promise<AssetDetail> {
    const res = await this.transport.call({
      method: 'GET',
      path: `assets/${encodeURIComponent(assetId)}`,
      category: CATEGORY.read,
      signal,
    });
    return parseAssetDetail(res.body);
  }

  /** 409 (indexed assets reference it) surfaces as an ApiError with status 409; `force` overrides. */
  async deleteAsset(assetId: string, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    await this.transport.call({
      method: 'DELETE',
      path: `assets/${encodeURIComponent(assetId)}`,
      query: { force: options.force ? 'true' : undefined },
      category: CATEGORY.read,
      signal: options.signal,
    });
  }

  /** PATCH merge: a value sets, `null` deletes the key. */
  async updateUserMetadata(
    assetId: string,
    metadata: Record<string, string | number | boolean | null>,
    signal?: AbortSignal,
  ) {
    await this.metadataCall('PATCH', assetId, metadata, signal);
  }

  async replaceUserMetadata(assetId: string, metadata: UserMetadata, signal?: AbortSignal) {
    await this.metadataCall('PUT', assetId, metadata, signal);
  }

  async clearUserMetadata(assetId: string, signal?: AbortSignal) {
    await this.metadataCall('DELETE', assetId, undefined, signal);
  }

  private async metadataCall(
    method: 'PATCH' | 'PUT' | 'DELETE',
    assetId: string,
    metadata: unknown,
    signal?: AbortSignal,
  ) {
    await this.transport.call({
      method,
      path: `assets/${encodeURIComponent(assetId)}/user-metadata`,
      json: metadata === undefined ? undefined : { user_metadata: metadata },
      category: CATEGORY.read,
      signal,
    });
  }

  /** What blocks a delete (the 409's explanation). */
  async listIndexedAssets(
    assetId: string,
    query: { page?: number; pageLimit?: number } = {},
    signal?: AbortSignal,
  ) {
    const res = await this.transport.call({
      method: 'GET',
      path: `assets/${encodeURIComponent(assetId)}/indexed-assets`,
      query: { page: query.page, page_limit: query.pageLimit },
      category: CATEGORY.read,
      signal,
    });
    return parseIndexedAssetPage(res.body) as Page<IndexedAssetReference>;
  }

  /** Polls with growing intervals until the asset is `ready` or `failed` (or the signal aborts). */
  async waitUntilSettled(assetId: string, options: SettleOptions = {}): Promise<AssetDetail> {
    let interval = options.initialIntervalMs ?? 1000;
    for (;;) {
      const asset = await this.retrieveAsset(assetId, options.signal);
      options.onUpdate?.(asset);
      if (asset.status !== 'processing') return asset;
      await this.clock.sleep(interval, options.signal).catch(() => {
        throw new AbortedError();
      });
      interval = Math.min(options.maxIntervalMs ?? 15_000, Math.round(interval * 1.6));
    }
  }
}

function optionFields(options: UploadOptions): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  if (options.filename !== undefined) fields.push(['filename', options.filename]);
  if (options.enableHls !== undefined) fields.push(['enable_hls', String(options.enableHls)]);
  if (options.enableThumbnail !== undefined)
    fields.push(['enable_thumbnail', String(options.enableThumbnail)]);
  if (options.userMetadata && Object.keys(options.userMetadata).length > 0)
    fields.push(['user_metadata', JSON.stringify(options.userMetadata)]);
  return fields;
}
