import { createReadStream } from 'node:fs';
import type { EmulatorCore } from '../core.ts';
import { ApiError } from '../http-helpers.ts';
import { generatedThumbnail } from '../png.ts';
import type { RouteDefinition } from '../router.ts';
import type { AssetRecord } from '../state.ts';

/**
 * The URLs an asset detail points at (`hls.manifest_url`, `thumbnail.representative_url`, the
 * multipart `url`): public like a CDN, so no API key.
 */
export function mediaRoutes(emu: EmulatorCore): RouteDefinition[] {
  const readyAsset = (id: string, has: (a: AssetRecord) => boolean): AssetRecord => {
    const asset = emu.state.assets.get(id);
    if (!asset || asset.status !== 'ready' || !has(asset))
      throw new ApiError(404, 'not_found', 'No such media.');
    return asset;
  };

  return [
    {
      name: 'media.thumbnail',
      method: 'GET',
      path: '/media/:assetId/thumbnail',
      auth: false,
      handler: (ctx) => {
        const asset = readyAsset(ctx.params.assetId!, (a) => a.thumbnailStatus === 'ready');
        const headers = { 'Cache-Control': 'public, max-age=86400' };
        if (asset.sniffed?.kind === 'image' && asset.blobPath) {
          ctx.res.writeHead(200, {
            ...headers,
            'Content-Type': asset.sniffed.mime,
            'Content-Length': asset.size ?? 0,
          });
          createReadStream(asset.blobPath).pipe(ctx.res);
          return;
        }
        const png = generatedThumbnail(asset.id);
        ctx.res.writeHead(200, { ...headers, 'Content-Type': 'image/png', 'Content-Length': png.length });
        ctx.res.end(png);
      },
    },
    {
      name: 'media.hls',
      method: 'GET',
      path: '/media/:assetId/hls/master.m3u8',
      auth: false,
      handler: (ctx) => {
        const asset = readyAsset(ctx.params.assetId!, (a) => a.hlsStatus === 'ready');
        const seconds = Math.max(1, Math.ceil(asset.duration ?? 1));
        const playlist = [
          '#EXTM3U',
          '#EXT-X-VERSION:3',
          `#EXT-X-TARGETDURATION:${seconds}`,
          '#EXT-X-PLAYLIST-TYPE:VOD',
          `#EXTINF:${(asset.duration ?? 1).toFixed(3)},`,
          `${ctx.origin}/media/${asset.id}/source`,
          '#EXT-X-ENDLIST',
          '',
        ].join('\n');
        ctx.res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl' });
        ctx.res.end(playlist);
      },
    },
    {
      name: 'media.source',
      method: 'GET',
      path: '/media/:assetId/source',
      auth: false,
      handler: (ctx) => {
        const asset = emu.state.assets.get(ctx.params.assetId!);
        if (!asset?.blobPath) throw new ApiError(404, 'not_found', 'No such media.');
        ctx.res.writeHead(200, {
          'Content-Type': asset.sniffed?.mime ?? 'application/octet-stream',
          'Content-Length': asset.size ?? 0,
        });
        createReadStream(asset.blobPath).pipe(ctx.res);
      },
    },
  ];
}
