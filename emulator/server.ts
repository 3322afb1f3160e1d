import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instrumentBody } from './body-stream.ts';
import { DEFAULT_SETTINGS, EmulatorCore, type EmulatorSettings } from './core.ts';
import { ApiError, drain, requestOrigin, sendError, sendJson } from './http-helpers.ts';
import { compileRoutes, matchRoute, type RequestContext } from './router.ts';
import { assetRoutes } from './routes/assets.ts';
import { controlRoutes } from './routes/control.ts';
import { indexRoutes } from './routes/indexes.ts';
import { loadMediaSecret } from './media-token.ts';
import { foreignBrowserProblem, hostProblem } from './request-guard.ts';
import { mediaRoutes } from './routes/media.ts';
import { multipartRoutes } from './routes/multipart.ts';
import type { LoggedRequest } from './request-log.ts';
import { BlobStore, EmulatorState } from './state.ts';

export interface EmulatorOptions extends Partial<EmulatorSettings> {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Keep assets, blobs and sessions here across restarts; in memory (and a temp folder) otherwise. */
  dataDir?: string;
  /** Accept only this key; otherwise any non-empty `x-api-key`. */
  apiKey?: string;
  /**
   * The control API (`/_emulator/*`) wants `apiKey` too. The app's own Sandbox sets it, so no
   * other local process or user can reset or rig it; tests and `npm run emulator` leave it open.
   */
  lockControl?: boolean;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT/v1.3`: the base URL a client needs. */
  url: string;
  origin: string;
  port: number;
  core: EmulatorCore;
  /** What was wrong with the saved state.json and what was done (state-check.ts); absent when sound. */
  recovered?: string;
  close(): Promise<void>;
}

/** Routes whose bodies are uploads: those the ingest throttle applies to. */
const UPLOAD_ROUTES = new Set(['assets.create', 'storage.put']);

/** Starts the emulator on 127.0.0.1. Never on another interface: it accepts any key by default. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const { port = 0, dataDir, apiKey, lockControl = false, ...overrides } = options;
  if (lockControl && !apiKey) throw new Error('lockControl needs an apiKey.');
  const root = dataDir ?? (await mkdtemp(join(tmpdir(), 'tl-emulator-')));
  const state = new EmulatorState(dataDir ? join(dataDir, 'state.json') : undefined);
  await state.load();
  const blobs = new BlobStore(root);
  await blobs.init();
  const settings: EmulatorSettings = {
    ...DEFAULT_SETTINGS,
    ...overrides,
    limits: overrides.limits ?? DEFAULT_SETTINGS.limits,
  };
  const core = new EmulatorCore(state, blobs, settings, apiKey, await loadMediaSecret(dataDir));
  core.resumeWork();

  const routes = compileRoutes([
    ...multipartRoutes(core),
    ...assetRoutes(core),
    ...indexRoutes(core),
    ...mediaRoutes(core),
    ...controlRoutes(core),
  ]);

  let fallbackOrigin = 'http://127.0.0.1';
  let actualPort = 0;
  const sockets = new Set<Socket>();

  const refuse = async (req: IncomingMessage, res: ServerResponse, status: number, message: string) => {
    await drain(req);
    sendJson(res, status, { code: status === 400 ? 'bad_request' : 'forbidden', message });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseTarget(req.url);
    if (!url) return refuse(req, res, 400, 'The request target must be a path starting with /.');
    const isControl = url.pathname.startsWith('/_emulator/');
    const hostRefusal = hostProblem(req, actualPort, isControl);
    if (hostRefusal) return refuse(req, res, 403, hostRefusal);
    if (isControl) {
      const browser = foreignBrowserProblem(req, actualPort);
      if (browser) return refuse(req, res, 403, browser);
    }
    if (url.pathname.startsWith('/v1.3')) res.setHeader('X-Api-Version', '1.3');
    const found = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (!('route' in found)) {
      await drain(req);
      return found.methodMismatch
        ? sendJson(res, 405, {
            code: 'method_not_allowed',
            message: `${req.method} is not allowed on ${url.pathname}.`,
          })
        : sendJson(res, 404, { code: 'not_found', message: `There is no endpoint at ${url.pathname}.` });
    }
    const { route, params } = found;
    const logged = route.name.startsWith('control.')
      ? undefined
      : core.log.start(route.name, req.method!, url.pathname);
    if (logged) res.on('finish', () => (logged.status = res.statusCode));

    try {
      await answerRoute(req, res, url, route, params, logged);
    } finally {
      // Every way out counts, an injected fault, a refused key or a 429 as much as the handler's
      // answer: tests wait on `settled` to prove nothing was left, and must never wait forever.
      if (logged) logged.settled = true;
    }
  }

  async function answerRoute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: (typeof routes)[number],
    params: Record<string, string>,
    logged: LoggedRequest | undefined,
  ): Promise<void> {
    const control = route.name.startsWith('control.');
    // Faults never apply to the control API: a rule on `*` with no count must not block the
    // very call that clears it.
    const latency = control ? 0 : (core.faults.take('latency', route.name)?.ms ?? settings.latencyMs);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));

    const injected = control ? undefined : core.faults.take('status', route.name);
    if (injected) {
      await drain(req);
      return sendJson(
        res,
        injected.status,
        injected.body ?? {
          code: injected.status === 429 ? 'too_many_requests' : 'internal_error',
          message: 'Injected fault.',
        },
        injected.headers,
      );
    }

    if (route.auth || (control && lockControl)) {
      const key = req.headers['x-api-key'];
      if (typeof key !== 'string' || key === '' || (apiKey !== undefined && !sameKey(key, apiKey))) {
        await drain(req);
        return sendError(
          res,
          new ApiError(
            401,
            'api_key_invalid',
            'API Key is either invalid or expired. Please check your API key or generate a new one from the dashboard and try again.',
          ),
        );
      }
    }

    const rate = core.rateLimiter.check(route.rateCategory);
    if (rate) {
      for (const [k, v] of Object.entries(rate.headers)) res.setHeader(k, v);
      if (!rate.allowed) {
        await drain(req);
        return sendError(
          res,
          new ApiError(
            429,
            'too_many_requests',
            `You have exceeded the rate limit (${core.rateLimiter.configured[route.rateCategory!]!.limit} requests). Please try again later after ${new Date(
              Number(rate.headers['X-Ratelimit-Reset']) * 1000,
            ).toISOString()}.`,
          ),
        );
      }
    }

    const drop = control ? undefined : core.faults.take('drop', route.name);
    const body = instrumentBody(req, {
      bytesPerSecond: () => (UPLOAD_ROUTES.has(route.name) ? settings.ingestBytesPerSecond : 0),
      dropAfterBytes: drop?.afterBytes,
      onBytes: (n) => {
        if (logged) logged.bodyBytes += n;
      },
    });
    const ctx: RequestContext = { req, res, url, params, body, origin: requestOrigin(req, fallbackOrigin) };
    try {
      await route.handler(ctx);
    } catch (error) {
      if (!req.complete && !req.socket.destroyed) {
        req.unpipe();
        await drain(req);
      }
      // The client went away (or fault injection cut it): nobody to answer.
      if (req.socket.destroyed || res.destroyed) return;
      if (error instanceof ApiError) return sendError(res, error);
      console.error(`emulator: ${route.name} failed:`, error);
      sendJson(res, 500, { code: 'internal_error', message: 'The emulator hit an internal error.' });
    }
  }

  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('emulator: request failed:', error);
      if (!res.headersSent)
        sendJson(res, 500, { code: 'internal_error', message: 'The emulator hit an internal error.' });
      else res.destroy();
    });
  });
  // Uploads of several GB on a throttled link take long: no server-side request timeout.
  server.requestTimeout = 0;
  // Longer than clients keep idle connections (undici: 4–10 s), as load balancers are, so a client
  // never sends a request on a socket the server is closing at that very moment.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  actualPort = (server.address() as AddressInfo).port;
  fallbackOrigin = `http://127.0.0.1:${actualPort}`;

  return {
    url: `${fallbackOrigin}/v1.3`,
    origin: fallbackOrigin,
    port: actualPort,
    core,
    ...(state.recovered && { recovered: state.recovered }),
    async close() {
      await core.stopWork();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await state.close();
      if (!dataDir) await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * The request target as a URL on our own origin, or undefined when it is not origin-form (`*`,
 * `http://elsewhere/…`). `//x` stays a path here: resolved against a base it would name a host.
 */
function parseTarget(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/')) return undefined;
  try {
    return new URL(`http://127.0.0.1${target}`);
  } catch {
    return undefined; // refused (400) by the caller, like any target that is not a path
  }
}

/** Compares keys in constant time (digests of equal length), so timing tells nothing about the key. */
function sameKey(given: string, expected: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
