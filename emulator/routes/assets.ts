import type { EmulatorCore } from '../core.ts';
import { ApiError, invalid, isObject, notFound, readJson, sendEmpty, sendJson } from '../http-helpers.ts';
import { arrayParam, booleanParam, pageParams } from '../query.ts';
import type { RequestContext, RouteDefinition } from '../router.ts';
import type { AssetRecord } from '../state.ts';
import { mergeMetadata, replaceMetadata, validateMetadata } from '../user-metadata.ts';
import { assetDetailWire } from '../wire.ts';
import { createAsset } from './create-asset.ts';
import { sendPage } from './page-answer.ts';

const ASSET_TYPES = ['image', 'video', 'audio', 'document'];

export function assetRoutes(emu: EmulatorCore): RouteDefinition[] {
  const findAsset = (id: string): AssetRecord => {
    const asset = emu.state.assets.get(id);
    if (!asset) throw notFound(id, 'assets');
    return asset;
  };

  const updateMetadata = (mode: 'merge' | 'replace' | 'clear') => async (ctx: RequestContext) => {
    const asset = findAsset(ctx.params.assetId!);
    if (mode === 'clear') asset.userMetadata = undefined;
    else {
      const body = await readJson(ctx.body);
      if (!isObject(body) || !('user_metadata' in body)) throw invalid('user_metadata', 'It is required.');
      const given = validateMetadata(body.user_metadata, true);
      asset.userMetadata =
        mode === 'merge' ? mergeMetadata(asset.userMetadata, given) : replaceMetadata(given);
    }
    emu.state.changed();
    sendEmpty(ctx.res, 204);
  };

  return [
    {
      name: 'assets.create',
      method: 'POST',
      path: '/v1.3/assets',
      auth: true,
      rateCategory: 'assets:create',
      handler: (ctx) => createAsset(emu, ctx),
    },
    {
      name: 'assets.list',
      method: 'GET',
      path: '/v1.3/assets',
      auth: true,
      rateCategory: 'assets:read',
      handler: (ctx) => {
        const q = ctx.url.searchParams;
        const paging = pageParams(q);
        const ids = arrayParam(q, 'asset_ids');
        const types = arrayParam(q, 'asset_types');
        for (const t of types)
          if (!ASSET_TYPES.includes(t))
            throw invalid('asset_types', `'${t}' is not one of ${ASSET_TYPES.join(', ')}.`);
        const filename = q.get('filename')?.toLowerCase();
        const matches = [...emu.state.assets.values()]
          .filter((a) => !a.hidden)
          .filter((a) => ids.length === 0 || ids.includes(a.id))
          .filter(
            (a) => types.length === 0 || (a.sniffed?.kind !== undefined && types.includes(a.sniffed.kind)),
          )
          .filter((a) => !filename || a.filename.toLowerCase().includes(filename))
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.seq - a.seq);
        sendPage(ctx.res, matches, paging, (a) => assetDetailWire(a, emu.mediaBase(ctx.origin, a.id)));
      },
    },
    {
      name: 'assets.retrieve',
      method: 'GET',
      path: '/v1.3/assets/:assetId',
      auth: true,
      rateCategory: 'assets:read',
      handler: (ctx) => {
        const asset = findAsset(ctx.params.assetId!);
        sendJson(ctx.res, 200, assetDetailWire(asset, emu.mediaBase(ctx.origin, asset.id)));
      },
    },
    {
      name: 'assets.delete',
      method: 'DELETE',
      path: '/v1.3/assets/:assetId',
      auth: true,
      rateCategory: 'assets:read',
      handler: async (ctx) => {
        const asset = findAsset(ctx.params.assetId!);
        const force = booleanParam(ctx.url.searchParams, 'force', false);
        const referenced = [...emu.state.indexedAssets.values()].some((ia) => ia.assetId === asset.id);
        if (referenced && !force)
          throw new ApiError(
            409,
            'asset_in_use',
            'The platform cannot delete this asset because one or more indexed assets are referencing it. Set the `force` query parameter to `true` to override.',
          );
        await emu.removeAsset(asset.id);
        sendEmpty(ctx.res, 204);
      },
    },
    {
      name: 'assets.metadata.update',
      method: 'PATCH',
      path: '/v1.3/assets/:assetId/user-metadata',
      auth: true,
      handler: updateMetadata('merge'),
    },
    {
      name: 'assets.metadata.replace',
      method: 'PUT',
      path: '/v1.3/assets/:assetId/user-metadata',
      auth: true,
      handler: updateMetadata('replace'),
    },
    {
      name: 'assets.metadata.clear',
      method: 'DELETE',
      path: '/v1.3/assets/:assetId/user-metadata',
      auth: true,
      handler: updateMetadata('clear'),
    },
    {
      name: 'assets.indexed-assets',
      method: 'GET',
      path: '/v1.3/assets/:assetId/indexed-assets',
      auth: true,
      handler: (ctx) => {
        const asset = findAsset(ctx.params.assetId!);
        const paging = pageParams(ctx.url.searchParams);
        const refs = [...emu.state.indexedAssets.values()]
          .filter((ia) => ia.assetId === asset.id)
          .map((ia) => {
            const index = emu.state.indexes.get(ia.indexId);
            // `IndexedAssetSummary` (§2.4): the key is `name`, which is what the SDK reads.
            return { _id: ia.id, index: { _id: ia.indexId, ...(index && { name: index.name }) } };
          });
        sendPage(ctx.res, refs, paging);
      },
    },
    {
      name: 'assets.entities',
      method: 'GET',
      path: '/v1.3/assets/:assetId/entities',
      auth: true,
      handler: (ctx) => {
        findAsset(ctx.params.assetId!);
        // Entities are out of the emulator's scope: every asset has none.
        sendPage(ctx.res, [], pageParams(ctx.url.searchParams));
      },
    },
  ];
}
