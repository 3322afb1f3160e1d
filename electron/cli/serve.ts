/**
 * Serve mode: the app's core, its contract over a WebSocket, and the renderer, on 127.0.0.1.
 *
 * Loopback is not a wall: every web page the person visits can send requests to 127.0.0.1, and
 * every other local server shares the cookie jar of 127.0.0.1 (cookies ignore ports). So:
 *
 * - Nothing a client sends can end the process (by construction, not by an uncaughtException
 *   handler): one guarded request pipeline (serve/request-pipeline.ts) turns every failure into a
 *   4xx (500 for our own bug) and a log line; the HTTP parser's own refusals are answered too;
 *   the WebSocket bridge (serve/ws-bridge.ts) bounds messages and listens for errors on every socket.
 * - No ambient credential. The start prints `http://127.0.0.1:PORT/#token=…`: the fragment never
 *   reaches a server, a log or a Referer. The page moves the token into sessionStorage (this tab
 *   only, survives a reload) and removes it from the address bar (history.replaceState). It sends
 *   it in an Authorization header (session, dropped files) and as a WebSocket subprotocol; no
 *   cookie is ever set, so no other local port can receive it. Thumbnails, shown by `<img>`,
 *   carry a separate read-only media key, useless for commands. The page's own files are public
 *   and hold no data. Another tab opens the printed address again.
 *   Rejected alternative: a random 127.x.y.z address with a cookie of its own — only 127.0.0.1
 *   is configured on macOS by default, and a cookie is still ambient (sent with every request to
 *   that host, whoever triggers it).
 * - Every request must name our Host (DNS rebinding), a browser's Origin must be ours, and all
 *   but the public files must be same-origin fetches (Sec-Fetch-Site): another local port is
 *   same-site, not same-origin. Every answer: Referrer-Policy no-referrer, Cache-Control no-store,
 *   nosniff, a CSP with frame-ancestors 'none', Cross-Origin-Resource-Policy same-origin, exact
 *   content types (thumbnails typed from their bytes).
 * - Dropped files are staged 0700/0600 and swept (serve/staging.ts).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/ports.ts';
import { LIMITS } from '../core/media/limits.ts';
import type { UploaderCore } from '../core/uploader-core.ts';
import { Access } from './serve/access.ts';
import { LogLimiter, stderrLogger } from './serve/log-limiter.ts';
import { clientErrorHandler, requestHandler } from './serve/request-pipeline.ts';
import { Staging } from './serve/staging.ts';
import { WsBridge } from './serve/ws-bridge.ts';

export { sanitizeName } from './serve/staging.ts';
export { WS_PROTOCOL } from './serve/access.ts';

export interface ServeOptions {
  port?: number;
  /** The built renderer (vite build → out/renderer). */
  rendererDir?: string;
  /** Largest file a browser may stream in (the largest the platform takes through multipart). */
  maxUploadBytes?: number;
  /** Where refused requests and failures are logged (default: stderr). */
  logger?: Logger;
}

export interface RunningServe {
  /** The address to open: the token is in the fragment, which no server ever receives. */
  url: string;
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export async function startServe(core: UploaderCore, options: ServeOptions = {}): Promise<RunningServe> {
  const rendererDir = resolve(
    options.rendererDir ?? fileURLToPath(new URL('../../out/renderer', import.meta.url)),
  );
  const log = new LogLimiter(options.logger ?? stderrLogger);
  let port = 0;
  const access = new Access(() => port);
  const staging = new Staging(
    core,
    options.maxUploadBytes ?? LIMITS.multipart.video,
    options.logger ?? stderrLogger,
  );
  // Before the first request: leftovers of a killed drop or a lost item go now.
  await staging.start();
  const bridge = new WsBridge(core, access, log);

  const handler = requestHandler({ core, access, staging, log, rendererDir });
  const server = createServer(
    {
      // Dropped files can be large: no limit on a whole request, but a client that sends
      // nothing for a while is cut off (socket timeout below), and headers must come quickly.
      requestTimeout: 0,
      headersTimeout: 30_000,
    },
    handler,
  );
  // `Expect: 100-continue`: Node would send `100 Continue` before any check; the pipeline sends
  // it only once the request's origin and token passed (request-pipeline.ts).
  server.on('checkContinue', handler);
  server.setTimeout(120_000, (socket) => socket.destroy());
  server.maxConnections = 512;
  server.on('clientError', clientErrorHandler(log));
  server.on('upgrade', (req, socket, head) => bridge.handleUpgrade(req, socket, head));
  // CONNECT (a proxy request) has an event of its own; unanswered, Node would drop the socket.
  server.on('connect', (req, socket) => {
    socket.on('error', () => undefined);
    log.warn('serve: 405 CONNECT refused (this is not a proxy)');
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, options.port ?? 0)));
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  }).catch((error: unknown) => {
    staging.close();
    bridge.close();
    throw error;
  });
  server.on('error', (error) => log.warn(`serve: server error: ${error.message}`));
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/#token=${access.token}`,
    origin,
    token: access.token,
    port,
    close: async () => {
      staging.close();
      bridge.close();
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

/** Why the port could not be had, said so the person can choose another. */
function listenError(error: NodeJS.ErrnoException, port: number): Error {
  if (error.code === 'EADDRINUSE')
    return new Error(
      `Port ${port} is already in use on 127.0.0.1 (another program, or another tl-uploader serve): choose another with --port, or leave --port out for a free one.`,
    );
  if (error.code === 'EACCES')
    return new Error(
      `Port ${port} may not be used by this user (ports below 1024 need administrator rights on most systems): choose one from 1024 to 65535, or leave --port out.`,
    );
  return error;
}
