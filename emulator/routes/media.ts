import { createReadStream } from 'node:fs';
import type { EmulatorCore } from '../core.ts';
import { ApiError } from '../http-helpers.ts';
import { streamOf } from '../hls-remux.ts';
import { hlsPlaylist } from '../hls-stream.ts';
import { hasIndexedStream } from '../indexed-stream.ts';
import { mediaTokenMatches } from '../media-token.ts';
import { generatedThumbnail } from '../png.ts';
import type { RouteDefinition } from '../router.ts';
import type { AssetRecord } from '../state.ts';

const noSuchMedia = () => new ApiError(404, 'not_found', 'No such media.');

/**
 * Uploaded bytes are served on the emulator's own origin, where its control API lives: never
 * sniffed into something else, and never run as a page (a sandboxed CSP makes any document an
 * opaque origin), whatever they hold. Readable cross-origin like a CDN's files (the app's HLS
 * player fetches them from its own page): the unguessable URL is the permission, not the origin.
 */
const INERT = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "sandbox; default-src 'none'",
  'Access-Control-Allow-Origin': '*',
};

/**
 * The URLs an asset detail points at (`hls.manifest_url`, `thumbnail.representative_url`, the
 * multipart `url`): no API key, like a CDN's, but unguessable: `/media/<id>/<token>/…`, the
 * token signed by the emulator (media-token.ts). A wrong token is a plain 404, as for no asset.
 */
export function mediaRoutes(emu: EmulatorCore): RouteDefinition[] {
  const signedAsset = (params: Record<string, string>): AssetRecord => {
    const id = params.assetId!;
    const asset = emu.state.assets.get(id);
    if (!asset || !mediaTokenMatches(emu.mediaSecret, id, params.token!)) throw noSuchMedia();
    return asset;
  };
  const readyAsset = (params: Record<string, string>, has: (a: AssetRecord) => boolean): AssetRecord => {
    const asset = signedAsset(params);
    if (asset.status !== 'ready' || !has(asset)) throw noSuchMedia();
    return asset;
  };
  /** A ready asset whose HLS is ready, the file streamed and how (hls-stream.ts, hls-remux.ts). */
  const streamable = async (params: Record<string, string>) => {
    // The asset's own HLS (`enable_hls`), or the copy an indexed asset's `enable_video_stream` made.
    const asset = readyAsset(
      params,
      (a) => (a.hlsStatus === 'ready' || hasIndexedStream(emu.state, a.id)) && !!a.blobPath,
    );
    // A blob that cannot be read as media has no stream to give: a 404, as for no media at all.
    const stream = await streamOf(asset.blobPath!);
    if (!stream) throw noSuchMedia();
    return { asset, ...stream };
  };

  return [
    {
      name: 'media.thumbnail',
      method: 'GET',
      path: '/media/:assetId/:token/thumbnail',
      auth: false,
      handler: (ctx) => {
        // Asked for with the asset (`enable_thumbnail`), or an indexed stream's `thumbnail_urls`.
        const asset = readyAsset(
          ctx.params,
          (a) => a.thumbnailStatus === 'ready' || hasIndexedStream(emu.state, a.id),
        );
        const headers = { ...INERT, 'Cache-Control': 'public, max-age=86400' };
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
      path: '/media/:assetId/:token/hls/master.m3u8',
      auth: false,
      handler: async (ctx) => {
        const { asset, source } = await streamable(ctx.params);
        ctx.res.writeHead(200, { ...INERT, 'Content-Type': 'application/vnd.apple.mpegurl' });
        ctx.res.end(hlsPlaylist(source, asset.duration));
      },
    },
    {
      // A fragmented MP4's init section and its fragments, as byte ranges of the upload.
      name: 'media.hls-part',
      method: 'GET',
      path: '/media/:assetId/:token/hls/:part',
      auth: false,
      handler: async (ctx) => {
        const part = ctx.params.part;
        if (part !== 'init.mp4' && part !== 'segment.m4s') throw noSuchMedia();
        const { asset, path, source } = await streamable(ctx.params);
        if (source.kind !== 'fmp4') throw noSuchMedia();
        const range = part === 'init.mp4' ? source.init : source.media;
        ctx.res.writeHead(200, {
          ...INERT,
          'Content-Type': asset.sniffed?.kind === 'audio' ? 'audio/mp4' : 'video/mp4',
          'Content-Length': range.end - range.start,
        });
        createReadStream(path, { start: range.start, end: range.end - 1 }).pipe(ctx.res);
      },
    },
    {
      name: 'media.source',
      method: 'GET',
      path: '/media/:assetId/:token/source',
      auth: false,
      handler: (ctx) => {
        const asset = signedAsset(ctx.params);
        if (!asset.blobPath) throw noSuchMedia();
        ctx.res.writeHead(200, {
          ...INERT,
          'Content-Type': asset.sniffed?.mime ?? 'application/octet-stream',
          'Content-Length': asset.size ?? 0,
        });
        createReadStream(asset.blobPath).pipe(ctx.res);
      },
    },
  ];
}
