import { z } from 'zod';
import type {
  IndexedAssetInfo,
  IndexMembership,
  IndexModel,
  IndexSummary,
} from '../../shared/index-types.ts';
import { TERMINAL_INDEXED } from '../../shared/index-types.ts';
import type { Clock } from '../ports.ts';
import type { UndiciTwelveLabsClient } from './client.ts';
import { AbortedError, madeSomething } from './errors.ts';
import { parse } from './wire.ts';

/**
 * Indexes and indexed assets (twelvelabs-indexes.md): list and create indexes, index an asset,
 * follow an indexed asset. Raw HTTP through the client's transport (SDK 1.3.4 refuses
 * `pegasus1.2`, the wire takes it). `POST …/indexed-assets` has its own rate-limit category
 * (shared with `POST /tasks`, §6) and is not idempotent: a lost answer is an OutcomeUnknownError.
 */
export const INDEX_CATEGORY = 'indexes';
const READ = 'indexes:read';

const opt = <T extends z.ZodTypeAny>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const indexWire = z.looseObject({
  _id: z.string(),
  index_name: opt(z.string()),
  created_at: opt(z.string()),
  video_count: opt(z.number()),
  total_duration: opt(z.number()),
  addons: opt(z.array(z.string())),
  models: opt(z.array(z.looseObject({ model_name: z.string(), model_options: opt(z.array(z.string())) }))),
});
const pageOf = <T extends z.ZodTypeAny>(item: T) =>
  z.looseObject({
    data: z.array(item),
    page_info: opt(z.looseObject({ total_page: opt(z.number().int()) })),
  });
const indexedWire = z.looseObject({
  _id: z.string(),
  asset_id: opt(z.string()),
  status: opt(z.string()),
  created_at: opt(z.string()),
  updated_at: opt(z.string()),
  indexed_at: opt(z.string()),
  system_metadata: opt(
    z.looseObject({
      filename: opt(z.string()),
      duration: opt(z.number()),
      fps: opt(z.number()),
      width: opt(z.number()),
      height: opt(z.number()),
      size: opt(z.number()),
    }),
  ),
});

const clean = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function toIndex(w: z.output<typeof indexWire>): IndexSummary {
  return clean({
    id: w._id,
    name: w.index_name ?? w._id,
    models: (w.models ?? []).map((m) => ({ name: m.model_name, options: m.model_options ?? [] })),
    addons: w.addons,
    createdAt: w.created_at,
    videoCount: w.video_count,
    totalDuration: w.total_duration,
  });
}

function toIndexed(w: z.output<typeof indexedWire>): IndexedAssetInfo {
  return clean({
    id: w._id,
    assetId: w.asset_id,
    status: w.status,
    createdAt: w.created_at,
    updatedAt: w.updated_at,
    indexedAt: w.indexed_at,
    systemMetadata: w.system_metadata && clean({ ...w.system_metadata }),
  });
}

const seg = encodeURIComponent;

export async function listIndexes(
  client: UndiciTwelveLabsClient,
  signal?: AbortSignal,
): Promise<IndexSummary[]> {
  const all: IndexSummary[] = [];
  for (let page = 1; page <= 200; page++) {
    const res = await client.transport.call({
      method: 'GET',
      path: 'indexes',
      query: { page, page_limit: 50 },
      category: READ,
      signal,
    });
    const w = parse(pageOf(indexWire), res.body, 'index list');
    all.push(...w.data.map(toIndex));
    if (w.data.length === 0 || page >= (w.page_info?.total_page ?? page)) break;
  }
  return all;
}

export async function getIndex(
  client: UndiciTwelveLabsClient,
  indexId: string,
  signal?: AbortSignal,
): Promise<IndexSummary> {
  const res = await client.transport.call({
    method: 'GET',
    path: `indexes/${seg(indexId)}`,
    category: READ,
    signal,
  });
  return toIndex(parse(indexWire, res.body, 'index'));
}

/** Creating an index is not idempotent either: a lost answer is found by name (names are unique). */
export async function createIndex(
  client: UndiciTwelveLabsClient,
  request: { name: string; models: IndexModel[]; addons?: string[] },
  signal?: AbortSignal,
): Promise<{ id: string }> {
  const res = await client.transport.call({
    method: 'POST',
    path: 'indexes',
    category: READ,
    signal,
    json: {
      index_name: request.name,
      models: request.models.map((m) => ({ model_name: m.name, model_options: m.options })),
      ...(request.addons && request.addons.length > 0 && { addons: request.addons }),
    },
  });
  return madeSomething(() => ({ id: parse(z.looseObject({ _id: z.string() }), res.body, 'index')._id }));
}

/** `POST /indexes/{id}/indexed-assets` (202): sent once; see the module comment. */
export async function indexAsset(
  client: UndiciTwelveLabsClient,
  indexId: string,
  assetId: string,
  signal?: AbortSignal,
): Promise<{ id: string }> {
  const res = await client.transport.call({
    method: 'POST',
    path: `indexes/${seg(indexId)}/indexed-assets`,
    category: INDEX_CATEGORY,
    signal,
    json: { asset_id: assetId },
  });
  return madeSomething(() => ({
    id: parse(z.looseObject({ _id: z.string() }), res.body, 'indexed asset')._id,
  }));
}

export async function getIndexedAsset(
  client: UndiciTwelveLabsClient,
  indexId: string,
  indexedAssetId: string,
  signal?: AbortSignal,
): Promise<IndexedAssetInfo> {
  const res = await client.transport.call({
    method: 'GET',
    path: `indexes/${seg(indexId)}/indexed-assets/${seg(indexedAssetId)}`,
    category: READ,
    signal,
  });
  return toIndexed(parse(indexedWire, res.body, 'indexed asset'));
}

/** Every index an asset is in (`GET /assets/{id}/indexed-assets`, all pages). */
export async function membershipsOf(
  client: UndiciTwelveLabsClient,
  assetId: string,
  signal?: AbortSignal,
): Promise<Array<Omit<IndexMembership, 'status'>>> {
  const all: Array<Omit<IndexMembership, 'status'>> = [];
  for (let page = 1; page <= 100; page++) {
    const result = await client.listIndexedAssets(assetId, { page, pageLimit: 50 }, signal);
    for (const ref of result.data)
      if (ref.indexId) all.push({ indexId: ref.indexId, indexName: ref.indexName, indexedAssetId: ref.id });
    if (result.data.length === 0 || page >= (result.pageInfo.totalPage ?? page)) break;
  }
  return all;
}

/**
 * Polls an indexed asset until `ready` or `failed` (unknown statuses are not terminal, §3), with
 * growing intervals; the platform's own loop sleeps 5 s.
 */
export async function waitUntilIndexed(
  client: UndiciTwelveLabsClient,
  clock: Clock,
  indexId: string,
  indexedAssetId: string,
  options: {
    signal?: AbortSignal;
    initialIntervalMs?: number;
    maxIntervalMs?: number;
    onUpdate?: (info: IndexedAssetInfo) => void;
  } = {},
): Promise<IndexedAssetInfo> {
  let interval = options.initialIntervalMs ?? 1000;
  for (;;) {
    const info = await getIndexedAsset(client, indexId, indexedAssetId, options.signal);
    options.onUpdate?.(info);
    if (TERMINAL_INDEXED.includes(info.status ?? '')) return info;
    await clock.sleep(interval, options.signal).catch(() => {
      throw new AbortedError();
    });
    interval = Math.min(options.maxIntervalMs ?? 5_000, Math.round(interval * 1.6));
  }
}
