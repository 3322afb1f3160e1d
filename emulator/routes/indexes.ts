import type { EmulatorCore } from '../core.ts';
import { newObjectId } from '../ids.ts';
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
import { pageParams } from '../query.ts';
import type { RouteDefinition } from '../router.ts';
import type { IndexRecord } from '../state.ts';
import { paginate } from '../wire.ts';

/**
 * Just enough of indexes to make the 409 on asset delete real: an index, and indexed assets that
 * reference assets (§3: the asset must be `ready`).
 */
export function indexRoutes(emu: EmulatorCore): RouteDefinition[] {
  const findIndex = (id: string): IndexRecord => {
    const index = emu.state.indexes.get(id);
    if (!index) throw notFound(id, 'indexes');
    return index;
  };
  const indexWire = (i: IndexRecord) => ({
    _id: i.id,
    index_name: i.name,
    models: i.models,
    created_at: i.createdAt,
  });

  return [
    {
      name: 'indexes.create',
      method: 'POST',
      path: '/v1.3/indexes',
      auth: true,
      rateCategory: 'indexes',
      handler: async (ctx) => {
        const body = await readJsonObject(ctx.body);
        if (body.index_name === undefined) throw notProvided('index_name');
        if (typeof body.index_name !== 'string' || body.index_name.trim() === '') throw invalid('index_name');
        if (body.models === undefined) throw notProvided('models');
        if (!Array.isArray(body.models) || body.models.length === 0)
          throw invalid('models', 'It must be a non-empty array.');
        for (const m of body.models) {
          if (!isObject(m) || typeof m.model_name !== 'string')
            throw invalid('models', 'Each model needs a model_name.');
          if (!Array.isArray(m.model_options) || !m.model_options.every((o) => typeof o === 'string'))
            throw invalid('models', 'Each model needs model_options, an array of strings.');
        }
        if ([...emu.state.indexes.values()].some((i) => i.name === body.index_name))
          throw new ApiError(
            409,
            'index_name_already_exists',
            `An index named ${body.index_name} already exists.`,
          );
        const index: IndexRecord = {
          id: newObjectId(),
          name: body.index_name,
          models: body.models,
          createdAt: new Date().toISOString(),
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
        const { page, limit } = pageParams(ctx.url.searchParams);
        const all = [...emu.state.indexes.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        const result = paginate(all, page, limit);
        sendJson(ctx.res, 200, { data: result.data.map(indexWire), page_info: result.page_info });
      },
    },
    {
      name: 'indexes.retrieve',
      method: 'GET',
      path: '/v1.3/indexes/:indexId',
      auth: true,
      handler: (ctx) => sendJson(ctx.res, 200, indexWire(findIndex(ctx.params.indexId!))),
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
        emu.state.changed();
        sendEmpty(ctx.res, 204);
      },
    },
    {
      name: 'indexed-assets.create',
      method: 'POST',
      path: '/v1.3/indexes/:indexId/indexed-assets',
      auth: true,
      rateCategory: 'indexes',
      handler: async (ctx) => {
        const index = findIndex(ctx.params.indexId!);
        const body = await readJsonObject(ctx.body);
        if (body.asset_id === undefined) throw notProvided('asset_id');
        if (typeof body.asset_id !== 'string') throw invalid('asset_id');
        const asset = emu.state.assets.get(body.asset_id);
        if (!asset || asset.hidden) throw notFound(body.asset_id, 'assets');
        if (asset.status !== 'ready') throw invalid('asset_id', 'The asset status must be `ready`.');
        const id = newObjectId();
        emu.state.indexedAssets.set(id, {
          id,
          indexId: index.id,
          assetId: asset.id,
          createdAt: new Date().toISOString(),
        });
        emu.state.changed();
        sendJson(ctx.res, 202, { _id: id, asset_id: asset.id });
      },
    },
    {
      name: 'indexed-assets.list',
      method: 'GET',
      path: '/v1.3/indexes/:indexId/indexed-assets',
      auth: true,
      handler: (ctx) => {
        const index = findIndex(ctx.params.indexId!);
        const { page, limit } = pageParams(ctx.url.searchParams);
        const items = [...emu.state.indexedAssets.values()]
          .filter((ia) => ia.indexId === index.id)
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .map((ia) => ({ _id: ia.id, asset_id: ia.assetId, status: 'ready', created_at: ia.createdAt }));
        sendJson(ctx.res, 200, paginate(items, page, limit));
      },
    },
    {
      name: 'indexed-assets.delete',
      method: 'DELETE',
      path: '/v1.3/indexes/:indexId/indexed-assets/:indexedAssetId',
      auth: true,
      handler: (ctx) => {
        const index = findIndex(ctx.params.indexId!);
        const ia = emu.state.indexedAssets.get(ctx.params.indexedAssetId!);
        if (!ia || ia.indexId !== index.id) throw notFound(ctx.params.indexedAssetId!, 'indexed assets');
        emu.state.indexedAssets.delete(ia.id);
        emu.state.changed();
        sendEmpty(ctx.res, 204);
      },
    },
  ];
}
