import type { EmulatorCore } from '../core.ts';
import { newObjectId } from '../ids.ts';
import { indexedAssetDetailWire, indexedAssetWire, indexWire, statusOf } from '../index-wire.ts';
import {
  ApiError,
  invalid,
  isObject,
  notFound,
  notProvided,
  readJsonObject,
  sendEmpty,
  sendJson,
} from '../http-helpers.ts';
import { INDEX_MODELS, MODEL_OPTIONS } from '../model-requirements.ts';
import { arrayParam, booleanParam, pageParams } from '../query.ts';
import type { RequestContext, RouteDefinition } from '../router.ts';
import type { IndexedAssetRecord, IndexModel, IndexRecord, UserMetadata } from '../state.ts';
import { mergeMetadata, validateMetadata } from '../user-metadata.ts';
import { sendPage } from './page-answer.ts';

const STATUSES = ['pending', 'queued', 'indexing', 'ready', 'failed'];

/**
 * Indexes and indexed assets (twelvelabs-indexes.md §1): indexes with Marengo 3.0 and/or Pegasus
 * 1.2, indexing of `ready` assets (202, then `pending → indexing → ready | failed`, indexing.ts),
 * and the reads the SDK makes. Structural problems are refused at once with the platform's
 * `{code, message}`; what the models refuse ends `failed` (§3).
 */
export function indexRoutes(emu: EmulatorCore): RouteDefinition[] {
  const findIndex = (id: string): IndexRecord => {
    const index = emu.state.indexes.get(id);
    if (!index) throw notFound(id, 'indexes');
    return index;
  };
  /** The indexed asset a `/indexes/:indexId/indexed-assets/:indexedAssetId` path names (the index first). */
  const findIndexed = (params: Record<string, string>): IndexedAssetRecord => {
    const index = findIndex(params.indexId!);
    const id = params.indexedAssetId!;
    const ia = emu.state.indexedAssets.get(id);
    if (!ia || ia.indexId !== index.id) throw notFound(id, 'indexed assets');
    return ia;
  };
  /** A change made: the state marked for its next write, the request answered with no content. */
  const changedNoContent = (ctx: RequestContext): void => {
    emu.state.changed();
    sendEmpty(ctx.res, 204);
  };
  /** Index names are unique (§1.1): on create, and on a rename (where the index may keep its own). */
  const nameFree = (name: string, renamed?: string): void => {
    if ([...emu.state.indexes.values()].some((i) => i.name === name && i.id !== renamed))
      throw new ApiError(400, 'index_name_already_exists', `The index name ${name} is already in use.`);
  };

  return [
    {
      name: 'indexes.create',
      method: 'POST',
      path: '/v1.3/indexes',
      auth: true,
      handler: async (ctx) => {
        const body = await readJsonObject(ctx.body);
        const name = indexName(body.index_name);
        const models = parseModels(body.models);
        const addons = parseAddons(body.addons, models);
        nameFree(name);
        const now = new Date().toISOString();
        const index: IndexRecord = {
          id: newObjectId(),
          name,
          models,
          addons,
          createdAt: now,
          updatedAt: now,
        };
        emu.state.indexes.set(index.id, index);
        emu.state.changed();
        sendJson(ctx.res, 201, { _id: index.id });
      },
    },
    {
      name: 'indexes.list',
      method: 'GET',
      path: '/v1.3/indexes',
      auth: true,
      handler: (ctx) => {
        const q = ctx.url.searchParams;
        const paging = pageParams(q);
        const name = q.get('index_name')?.toLowerCase();
        const family = q.get('model_family');
        const asc = q.get('sort_option') === 'asc';
        const all = [...emu.state.indexes.values()]
          .filter((i) => !name || i.name.toLowerCase().includes(name))
          .filter((i) => !family || i.models.some((m) => m.model_name.startsWith(family)))
          .sort((a, b) => (asc ? 1 : -1) * a.createdAt.localeCompare(b.createdAt));
        sendPage(ctx.res, all, paging, (i) => indexWire(emu.state, i));
      },
    },
    {
      name: 'indexes.retrieve',
      method: 'GET',
      path: '/v1.3/indexes/:indexId',
      auth: true,
      handler: (ctx) => sendJson(ctx.res, 200, indexWire(emu.state, findIndex(ctx.params.indexId!))),
    },
    {
      name: 'indexes.update',
      method: 'PUT',
      path: '/v1.3/indexes/:indexId',
      auth: true,
      handler: async (ctx) => {
        const index = findIndex(ctx.params.indexId!);
        const name = indexName((await readJsonObject(ctx.body)).index_name);
        nameFree(name, index.id);
        index.name = name;
        index.updatedAt = new Date().toISOString();
        changedNoContent(ctx);
      },
    },
    {
      name: 'indexes.delete',
      method: 'DELETE',
      path: '/v1.3/indexes/:indexId',
      auth: true,
      handler: (ctx) => {
        const index = findIndex(ctx.params.indexId!);
        emu.state.indexes.delete(index.id);
        for (const [id, ia] of emu.state.indexedAssets)
          if (ia.indexId === index.id) emu.state.indexedAssets.delete(id);
        changedNoContent(ctx);
      },
    },
    {
      name: 'indexed-assets.create',
      method: 'POST',
      path: '/v1.3/indexes/:indexId/indexed-assets',
      auth: true,
      // One category with POST /tasks (§6): rate-limited, so its answers carry X-Ratelimit-*.
      rateCategory: 'indexes',
      handler: async (ctx) => {
        const index = findIndex(ctx.params.indexId!);
        const body = await readJsonObject(ctx.body);
        if (body.asset_id === undefined) throw notProvided('asset_id');
        if (typeof body.asset_id !== 'string') throw invalid('asset_id');
        if (body.enable_video_stream !== undefined && typeof body.enable_video_stream !== 'boolean')
          throw invalid('enable_video_stream', 'It must be a boolean.');
        const userMetadata =
          body.user_metadata === undefined
            ? undefined
            : (validateMetadata(body.user_metadata, false) as UserMetadata);
        const asset = emu.state.assets.get(body.asset_id);
        if (!asset || asset.hidden) throw notFound(body.asset_id, 'assets');
        if (asset.status !== 'ready') throw invalid('asset_id', 'The asset status must be `ready`.');
        const now = new Date().toISOString();
        const record: IndexedAssetRecord = {
          id: newObjectId(),
          indexId: index.id,
          assetId: asset.id,
          createdAt: now,
          updatedAt: now,
          status: 'pending',
          enableVideoStream: body.enable_video_stream === true,
          ...(userMetadata && { userMetadata }),
        };
        emu.state.indexedAssets.set(record.id, record);
        emu.state.changed();
        emu.indexing.start(record);
        sendJson(ctx.res, 202, { _id: record.id, asset_id: asset.id });
      },
    },
    {
      name: 'indexed-assets.list',
      method: 'GET',
      path: '/v1.3/indexes/:indexId/indexed-assets',
      auth: true,
      handler: (ctx) => {
        const index = findIndex(ctx.params.indexId!);
        const q = ctx.url.searchParams;
        const paging = pageParams(q);
        const statuses = arrayParam(q, 'status');
        for (const s of statuses)
          if (!STATUSES.includes(s)) throw invalid('status', `'${s}' is not one of ${STATUSES.join(', ')}.`);
        const filename = q.get('filename')?.toLowerCase();
        const items = [...emu.state.indexedAssets.values()]
          .filter((ia) => ia.indexId === index.id)
          .filter((ia) => statuses.length === 0 || statuses.includes(statusOf(ia)))
          .filter(
            (ia) =>
              !filename ||
              (emu.state.assets.get(ia.assetId)?.filename.toLowerCase().includes(filename) ?? false),
          )
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        sendPage(ctx.res, items, paging, (ia) => indexedAssetWire(emu.state, ia));
      },
    },
    {
      name: 'indexed-assets.retrieve',
      method: 'GET',
      path: '/v1.3/indexes/:indexId/indexed-assets/:indexedAssetId',
      auth: true,
      handler: (ctx) => {
        const ia = findIndexed(ctx.params);
        const transcription = booleanParam(ctx.url.searchParams, 'transcription', false);
        sendJson(
          ctx.res,
          200,
          indexedAssetDetailWire(emu.state, ia, emu.mediaBase(ctx.origin, ia.assetId), transcription),
        );
      },
    },
    {
      name: 'indexed-assets.update',
      method: 'PATCH',
      path: '/v1.3/indexes/:indexId/indexed-assets/:indexedAssetId',
      auth: true,
      handler: async (ctx) => {
        const ia = findIndexed(ctx.params);
        const body = await readJsonObject(ctx.body);
        if (body.user_metadata !== undefined)
          ia.userMetadata = mergeMetadata(ia.userMetadata, validateMetadata(body.user_metadata, true));
        changedNoContent(ctx);
      },
    },
    {
      name: 'indexed-assets.delete',
      method: 'DELETE',
      path: '/v1.3/indexes/:indexId/indexed-assets/:indexedAssetId',
      auth: true,
      handler: (ctx) => {
        const ia = findIndexed(ctx.params);
        emu.state.indexedAssets.delete(ia.id);
        changedNoContent(ctx);
      },
    },
  ];
}

function indexName(value: unknown): string {
  if (value === undefined) throw notProvided('index_name');
  if (typeof value !== 'string' || value.trim() === '') throw invalid('index_name');
  return value;
}

/** `models`: `marengo3.0` and/or `pegasus1.2`, each with `visual` and/or `audio` (§1.1). */
function parseModels(value: unknown): IndexModel[] {
  if (value === undefined) throw notProvided('models');
  if (!Array.isArray(value) || value.length === 0) throw invalid('models', 'It must be a non-empty array.');
  const seen = new Set<string>();
  return value.map((m: unknown) => {
    if (!isObject(m) || typeof m.model_name !== 'string')
      throw invalid('models', 'Each model needs a model_name.');
    if (!Object.hasOwn(INDEX_MODELS, m.model_name))
      throw invalid(
        'models',
        `${m.model_name} is not an index model: use ${Object.keys(INDEX_MODELS).join(' or ')}.`,
      );
    if (seen.has(m.model_name)) throw invalid('models', `${m.model_name} is listed twice.`);
    seen.add(m.model_name);
    const options = m.model_options;
    if (
      !Array.isArray(options) ||
      options.length === 0 ||
      !options.every((o) => typeof o === 'string' && MODEL_OPTIONS.includes(o))
    )
      throw invalid('models', `model_options of ${m.model_name} must list visual and/or audio.`);
    return { model_name: m.model_name, model_options: [...new Set(options as string[])] };
  });
}

/** `addons`: only `thumbnail`, and only with Marengo (§1.1). */
function parseAddons(value: unknown, models: IndexModel[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((a) => a === 'thumbnail'))
    throw invalid('addons', "The only addon is 'thumbnail'.");
  if (value.length > 0 && !models.some((m) => m.model_name.startsWith('marengo')))
    throw invalid('addons', 'The thumbnail addon needs a Marengo model.');
  return [...new Set(value as string[])];
}
