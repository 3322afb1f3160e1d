import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { commandNames, eventNames, InvalidRequestError } from '../../shared/contract.ts';
import type { UploaderCore } from '../../core/uploader-core.ts';
import type { Access } from './access.ts';
import type { LogLimiter } from './log-limiter.ts';
import { parseTarget, RequestRefused, targetForLog, type RequestTarget } from './request-target.ts';
import { PAGE_POLICY, sendError, sendJson } from './security-headers.ts';
import type { Staging } from './staging.ts';
import { sendStatic } from './static-files.ts';
import { sendThumbnail } from './thumbnails.ts';
import { sendSandboxMedia } from './sandbox-media.ts';
import { SANDBOX_MEDIA_SEGMENT } from '../../shared/sandbox-media.ts';

export interface PipelineParts {
  core: UploaderCore;
  access: Access;
  staging: Staging;
  log: LogLimiter;
  rendererDir: string;
}

/**
 * Every HTTP request goes through one guarded pipeline: parse the target → check where it comes
 * from → route (each route states what it needs) → answer. Whatever fails becomes an answer (4xx
 * for what the client sent, 500 for our own bug) and a log line; nothing a client sends can throw
 * out of it, so nothing a client sends can end the process.
 */
export function requestHandler(parts: PipelineParts): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    req.on('error', (error) => parts.log.warn(`serve: request error: ${error.message}`));
    res.on('error', (error) => parts.log.warn(`serve: response error: ${error.message}`));
    handle(parts, req, res)
      .catch((error: unknown) => {
        const refused = error instanceof RequestRefused;
        const status = refused ? error.status : error instanceof InvalidRequestError ? 400 : 500;
        const message =
          refused || status === 400 ? (error as Error).message : 'Something went wrong on our side.';
        parts.log.warn(
          `serve: ${status} ${req.method} ${targetForLog(req.url)}: ${refused || status === 400 ? message : String((error as Error)?.stack ?? error)}`,
        );
        if (res.headersSent) res.destroy();
        else if (awaitsContinue(req, res)) {
          // The body was never invited: answered and closed, so none of it is read.
          sendError(req, res, status, message, { ...(refused ? error.headers : {}), connection: 'close' });
        } else {
          sendError(req, res, status, message, refused ? error.headers : {});
          if (!req.complete) drainThenClose(req);
        }
      })
      // The last guard: even a failure while answering a failure ends here, never unhandled.
      .catch((error: unknown) => {
        parts.log.warn(`serve: no answer could be sent: ${String((error as Error)?.stack ?? error)}`);
        res.destroy();
      });
  };
}

async function handle(parts: PipelineParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = parseTarget(req.url);
  parts.access.checkPlace(req);
  const route = ROUTES.find((r) => r.matches(target.segments));
  if (!route) throw new RequestRefused(404, 'Not found.');
  const method = req.method ?? '';
  if (!route.methods.includes(method))
    throw new RequestRefused(405, `Use ${route.methods.join(' or ')} here.`, {
      allow: route.methods.join(', '),
    });
  if (route.access !== 'public') parts.access.checkSameOrigin(req);
  if (route.access === 'token') parts.access.requireToken(req);
  if (route.access === 'media-key')
    parts.access.requireMediaKey(route.mediaKey?.(target) ?? target.query.get('key') ?? '');
  // A client that asked first (Expect: 100-continue) is invited to send its body only now, once
  // where it comes from, its token and what its headers say were checked (serve.ts routes it
  // here via checkContinue).
  route.beforeBody?.(parts, req, target);
  if (awaitsContinue(req, res)) {
    continued.add(res);
    res.writeContinue();
  }
  await route.answer(parts, req, res, target);
}

/**
 * The client waits for `100 Continue` before sending its body (Node emits `checkContinue` for it
 * and leaves the answer to us; without that listener Node would invite every body unchecked).
 */
function awaitsContinue(req: IncomingMessage, res: ServerResponse): boolean {
  // Node's own test for the header (continueExpression, lib/_http_common.js): exactly the requests
  // it hands to checkContinue.
  return /(?:^|\W)100-continue(?:$|\W)/i.test(req.headers.expect ?? '') && !continued.has(res);
}
const continued = new WeakSet<ServerResponse>();

interface Route {
  matches(segments: string[]): boolean;
  methods: string[];
  /** public: the renderer's files; token: the page's own calls; media-key: `<img>` sources. */
  access: 'public' | 'token' | 'media-key';
  /** What is refused from the headers alone, before a body is invited (throws RequestRefused). */
  beforeBody?(parts: PipelineParts, req: IncomingMessage, target: RequestTarget): void;
  /** Where a media-key route carries its key, when not in the `key` query. */
  mediaKey?(target: RequestTarget): string;
  answer(
    parts: PipelineParts,
    req: IncomingMessage,
    res: ServerResponse,
    target: RequestTarget,
  ): Promise<void> | void;
}

const exactly = (path: string) => (segments: string[]) => segments.length === 1 && segments[0] === path;

const ROUTES: Route[] = [
  {
    matches: exactly('session'),
    methods: ['GET'],
    access: 'token',
    answer: ({ access, staging }, _req, res) =>
      sendJson(res, 200, { mediaKey: access.mediaKey, maxUploadBytes: staging.maxUploadBytes }),
  },
  {
    matches: exactly('contract'),
    methods: ['GET'],
    access: 'token',
    answer: (_parts, _req, res) => sendJson(res, 200, { commands: commandNames, events: eventNames }),
  },
  {
    matches: exactly('upload'),
    methods: ['POST'],
    access: 'token',
    beforeBody: ({ staging }, req, target) =>
      void staging.refuseBeforeBody(req, target.query.get('name') ?? ''),
    answer: async ({ staging }, req, res, target) =>
      sendJson(
        res,
        200,
        await staging.receive(req, target.query.get('name') ?? '', target.query.get('index') ?? undefined),
      ),
  },
  {
    matches: (s) => s.length === 2 && s[0] === 'thumbnail',
    methods: ['GET', 'HEAD'],
    access: 'media-key',
    answer: ({ core }, _req, res, target) => sendThumbnail(core, res, target.segments[1]!),
  },
  {
    // The Sandbox's media through our own origin: the page's CSP needs no other port (sandbox-media.ts).
    matches: (s) => s.length >= 5 && s[0] === SANDBOX_MEDIA_SEGMENT,
    methods: ['GET', 'HEAD'],
    access: 'media-key',
    mediaKey: (target) => target.segments[1]!,
    answer: ({ core, log }, req, res, target) => sendSandboxMedia(core, log, req, res, target.segments),
  },
  {
    // Reached only without an Upgrade header (upgrades go to the WebSocket bridge).
    matches: exactly('ws'),
    methods: ['GET'],
    access: 'public',
    answer: () => {
      throw new RequestRefused(426, 'This address speaks WebSocket only.', { upgrade: 'websocket' });
    },
  },
  {
    matches: () => true,
    methods: ['GET', 'HEAD'],
    access: 'public',
    answer: ({ rendererDir }, req, res, target) =>
      sendStatic(req, res, rendererDir, target.segments, PAGE_POLICY),
  },
];

/** A client still sending a body it was refused: most clients read no answer before their body is
 * sent, so up to 64 MiB are read and dropped; past that, or after 10 s, the connection is cut. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

function drainThenClose(req: IncomingMessage): void {
  let drained = 0;
  const timer = setTimeout(() => req.destroy(), 10_000);
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) req.destroy();
  });
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/**
 * What the HTTP parser itself refuses (bad request line, bad Content-Length, headers too large):
 * answered with the status it implies and logged; the socket is closed.
 */
export function clientErrorHandler(
  log: LogLimiter,
): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    log.warn(`serve: ${status} refused by the HTTP parser: ${error.code ?? error.message}`);
    // As Node's own handler: answer unless a response already went out on this connection.
    if (socket.writable && socket.bytesWritten === 0)
      socket.write(`HTTP/1.1 ${status} ${REASONS[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};
