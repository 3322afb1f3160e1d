import { PLATFORM_RATE_LIMITS, type EmulatorCore, type EmulatorSettings } from '../core.ts';
import { validateFaultRule, type FaultRule } from '../faults.ts';
import { ApiError, isObject, notFound, readJson, sendEmpty, sendJson } from '../http-helpers.ts';
import type { MediaKind } from '../limits.ts';
import type { RouteDefinition } from '../router.ts';
import type { Sniffed } from '../sniff.ts';

const bad = (message: string) => new ApiError(400, 'parameter_invalid', message);

const SEED_TYPES: Record<MediaKind, Sniffed> = {
  video: { kind: 'video', mime: 'video/mp4', container: 'mov,mp4,m4a,3gp,3g2,mj2' },
  audio: { kind: 'audio', mime: 'audio/wav', container: 'wav' },
  image: { kind: 'image', mime: 'image/png', container: 'png' },
  document: { kind: 'document', mime: 'application/pdf', container: 'pdf' },
};
const SEED_EXTENSIONS: Record<MediaKind, string> = {
  video: 'mp4',
  audio: 'wav',
  image: 'png',
  document: 'pdf',
};

/** Numeric settings that may be changed at run time, with their lowest allowed value. */
const NUMERIC_SETTINGS: Partial<Record<keyof EmulatorSettings, number>> = {
  processingMs: 0,
  indexingMs: 0,
  ingestBytesPerSecond: 0,
  latencyMs: 0,
  presignedUrlTtlMs: 1,
  sessionTtlMs: 1,
  chunkSize: 1,
  initialPresignedUrls: 0,
};

/** The control API under `/_emulator/` (see emulator/README.md). Loopback only, no key. */
export function controlRoutes(emu: EmulatorCore): RouteDefinition[] {
  const route = (method: string, path: string, handler: RouteDefinition['handler']): RouteDefinition => ({
    name: `control.${method.toLowerCase()}.${path}`,
    method,
    path: `/_emulator${path}`,
    auth: false,
    handler,
  });

  return [
    route('GET', '/health', (ctx) => sendJson(ctx.res, 200, { ok: true, assets: emu.state.assets.size })),
    route('GET', '/settings', (ctx) => sendJson(ctx.res, 200, emu.settings)),
    route('PATCH', '/settings', async (ctx) => {
      const body = await readJson(ctx.body);
      if (!isObject(body)) throw bad('The body must be a JSON object.');
      for (const [key, value] of Object.entries(body)) {
        if (key === 'rateLimits') {
          if (!isObject(value))
            throw bad('rateLimits must be an object of {limit, windowSeconds} by category.');
          for (const [cat, rl] of Object.entries(value))
            if (!isObject(rl) || !(Number(rl.limit) >= 0) || !(Number(rl.windowSeconds) > 0))
              throw bad(`rateLimits.${cat} needs limit ≥ 0 and windowSeconds > 0.`);
          // Over the platform's own (generous) limits: a rate-limited route always sends its headers.
          emu.settings.rateLimits = { ...PLATFORM_RATE_LIMITS, ...(value as EmulatorSettings['rateLimits']) };
          emu.rateLimiter.configure(emu.settings.rateLimits);
          continue;
        }
        const min = NUMERIC_SETTINGS[key as keyof EmulatorSettings];
        if (min === undefined) throw bad(`Unknown setting: ${key}.`);
        if (key === 'chunkSize' && value === null) {
          delete emu.settings.chunkSize;
          continue;
        }
        if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
          throw bad(`${key} must be a number ≥ ${min}.`);
        (emu.settings as unknown as Record<string, number>)[key] = value;
      }
      sendJson(ctx.res, 200, emu.settings);
    }),
    route('GET', '/faults', (ctx) => sendJson(ctx.res, 200, { rules: emu.faults.list() })),
    route('POST', '/faults', async (ctx) => {
      const body = await readJson(ctx.body);
      const rules = isObject(body) && Array.isArray(body.rules) ? body.rules : [body];
      for (const rule of rules) {
        const problem = validateFaultRule(rule);
        if (problem) throw bad(`Invalid fault rule: ${problem}.`);
      }
      emu.faults.add(rules as FaultRule[]);
      sendJson(ctx.res, 200, { rules: emu.faults.list() });
    }),
    route('DELETE', '/faults', (ctx) => {
      emu.faults.clear();
      sendEmpty(ctx.res, 204);
    }),
    route('GET', '/requests', (ctx) => {
      const q = ctx.url.searchParams;
      const since = q.get('since');
      sendJson(ctx.res, 200, {
        requests: emu.log.list({
          route: q.get('route') ?? undefined,
          since: since ? Number(since) : undefined,
        }),
      });
    }),
    route('DELETE', '/requests', (ctx) => {
      emu.log.clear();
      sendEmpty(ctx.res, 204);
    }),
    route('GET', '/stats', (ctx) => sendJson(ctx.res, 200, emu.log.stats())),
    route('POST', '/reset', async (ctx) => {
      await emu.reset();
      sendEmpty(ctx.res, 204);
    }),
    route('POST', '/seed', async (ctx) => {
      const body = await readJson(ctx.body);
      const o = isObject(body) ? body : {};
      const count = o.count ?? 1;
      if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 100_000)
        throw bad('count must be an integer from 1 to 100000.');
      const kind = (o.kind ?? 'video') as MediaKind;
      if (!Object.hasOwn(SEED_TYPES, kind))
        throw bad("kind must be 'video', 'audio', 'image' or 'document'.");
      const status = o.status ?? 'ready';
      if (!['ready', 'processing', 'failed'].includes(status as string))
        throw bad('status must be ready, processing or failed.');
      const prefix = typeof o.filenamePrefix === 'string' ? o.filenamePrefix : 'seeded';
      const ids: string[] = [];
      for (let i = 0; i < (count as number); i++) {
        const size = 1_000_000 + i;
        const asset = emu.newAsset({
          method: 'direct',
          filename: `${prefix}-${String(i + 1).padStart(5, '0')}.${SEED_EXTENSIONS[kind]}`,
          enableHls: o.enableHls === true,
          enableThumbnail: o.enableThumbnail === true,
          sniffed: SEED_TYPES[kind],
          size,
          duration: kind === 'video' || kind === 'audio' ? 10 + (i % 50) : undefined,
          technicalMetadata: { file_size_bytes: size, file_mime_type: SEED_TYPES[kind].mime },
        });
        ids.push(asset.id);
        if (status === 'ready') {
          asset.status = 'ready';
          // Seeded assets have no bytes, so no stream: HLS asked for and not made (never a
          // `ready` whose playlist has nothing to play).
          if (asset.hlsStatus && (kind === 'video' || kind === 'audio')) asset.hlsStatus = 'error';
          else asset.hlsStatus = undefined;
          if (asset.thumbnailStatus) asset.thumbnailStatus = 'ready';
        } else if (status === 'failed') emu.fail(asset, 'The file could not be decoded.');
        else emu.scheduleProcessing(asset.id);
      }
      sendJson(ctx.res, 201, { ids });
    }),
    route('PATCH', '/assets/:assetId', async (ctx) => {
      const asset = emu.state.assets.get(ctx.params.assetId!);
      if (!asset) throw notFound(ctx.params.assetId!, 'assets');
      const body = await readJson(ctx.body);
      if (!isObject(body)) throw bad('The body must be a JSON object.');
      if (body.status === 'failed')
        emu.fail(
          asset,
          typeof body.error_message === 'string' ? body.error_message : 'The file could not be decoded.',
        );
      else if (body.status === 'ready' || body.status === 'processing') {
        asset.status = body.status;
        emu.state.changed();
      } else throw bad('status must be ready, processing or failed.');
      sendEmpty(ctx.res, 204);
    }),
  ];
}
