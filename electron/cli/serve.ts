import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  commandNames,
  eventNames,
  isCommandName,
  InvalidRequestError,
  type CommandError,
} from '../shared/contract.ts';
import { LIMITS } from '../core/media/limits.ts';
import type { UploaderCore } from '../core/uploader-core.ts';

export interface ServeOptions {
  port?: number;
  /** The built renderer (vite build → out/renderer). */
  rendererDir?: string;
  /** Largest file a browser may stream in (the largest the platform takes through multipart). */
  maxUploadBytes?: number;
}

export interface RunningServe {
  url: string;
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serve mode: the same core, its contract over a WebSocket, on 127.0.0.1 only. Every request needs
 * the per-start token; requests from another Origin are refused (403), and so are requests whose
 * Host is not ours (DNS rebinding). Files dropped in the browser are streamed into a staging
 * folder, then queued; the staged copy goes once its asset is ready.
 */
export async function startServe(core: UploaderCore, options: ServeOptions = {}): Promise<RunningServe> {
  const token = randomBytes(24).toString('base64url');
  const rendererDir = resolve(
    options.rendererDir ?? fileURLToPath(new URL('../../out/renderer', import.meta.url)),
  );
  const stagingRoot = join(core.settings().dataDir, 'staging');
  const maxUpload = options.maxUploadBytes ?? LIMITS.multipart.video;
  let port = 0;
  const ownHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const ownOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  /** 401 without the token, 403 for a foreign Host or Origin; undefined when allowed. */
  function refuse(req: IncomingMessage): { status: number; message: string } | undefined {
    if (!ownHosts().has(req.headers.host ?? '')) return { status: 403, message: 'Unknown host.' };
    const origin = req.headers.origin;
    if (origin !== undefined && !ownOrigins().has(origin))
      return { status: 403, message: 'Requests from other sites are not allowed.' };
    const url = new URL(req.url ?? '/', 'http://x');
    // The page itself is opened with ?token=; its scripts, images and WebSocket carry the cookie
    // set then (HttpOnly, SameSite=Strict: other sites cannot use it).
    const cookie = /(?:^|;\s*)tl_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given =
      url.searchParams.get('token') ?? req.headers.authorization?.replace(/^Bearer /, '') ?? cookie ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b))
      return { status: 401, message: 'A valid token is required (it is printed when serve mode starts).' };
    return undefined;
  }

  const staged = new Map<string, string>(); // queue item id → staging folder
  core.queue.on('item-changed', (item) => {
    const dir = staged.get(item.id);
    if (dir && ['ready', 'duplicate', 'canceled'].includes(item.state)) {
      staged.delete(item.id);
      void rm(dir, { recursive: true, force: true });
    }
  });

  async function receiveUpload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const name = sanitizeName(url.searchParams.get('name') ?? '');
    if (!name) return send(res, 400, { error: 'A file name is required (?name=).' });
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxUpload) {
      req.resume();
      return send(res, 413, { error: `The file is larger than ${maxUpload} bytes.` });
    }
    const dir = join(stagingRoot, randomUUID());
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        if (received > maxUpload) return done(new Error('too large'));
        done(null, chunk);
      },
    });
    try {
      await pipeline(req, limit, createWriteStream(path, { flags: 'wx' }));
    } catch {
      await rm(dir, { recursive: true, force: true });
      if (!res.headersSent)
        send(res, received > maxUpload ? 413 : 400, {
          error: received > maxUpload ? 'The file is too large.' : 'The upload was interrupted.',
        });
      req.destroy();
      return;
    }
    const result = await core.invoke('uploads:add', {
      inputs: [{ kind: 'file', path, options: { filename: name } }],
    });
    for (const item of result.added) staged.set(item.id, dir);
    if (result.added.length === 0) await rm(dir, { recursive: true, force: true });
    send(res, 200, result);
  }

  const server = createServer((req, res) => {
    const denied = refuse(req);
    if (denied) return send(res, denied.status, { error: denied.message });
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/upload') {
      receiveUpload(req, res).catch(() => send(res, 500, { error: 'The upload could not be received.' }));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/contract')
      return send(res, 200, { commands: commandNames, events: eventNames });
    if (req.method === 'GET' && url.pathname.startsWith('/thumbnail/')) {
      const path = core.library.detail(decodeURIComponent(url.pathname.slice('/thumbnail/'.length)))?.asset
        .thumbnailPath;
      if (!path) return send(res, 404, { error: 'No cached thumbnail.' });
      return void sendFile(res, path, 'image/*', {});
    }
    if (req.method === 'GET') {
      const file = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
      const full = resolve(rendererDir, file);
      if (!full.startsWith(rendererDir + sep)) return send(res, 404, { error: 'Not found.' });
      const headers: Record<string, string> =
        file === 'index.html'
          ? {
              'set-cookie': `tl_token=${token}; HttpOnly; SameSite=Strict; Path=/`,
              'content-security-policy': CSP,
            }
          : {};
      return void sendFile(res, full, MIME[extname(full)] ?? 'application/octet-stream', headers).catch(() =>
        file === 'index.html'
          ? send(res, 503, { error: 'The web interface is not built: run `npm run build` once.' })
          : send(res, 404, { error: 'Not found.' }),
      );
    }
    send(res, 404, { error: 'Not found.' });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const denied = refuse(req);
    const url = new URL(req.url ?? '/', 'http://x');
    if (denied || url.pathname !== '/ws') {
      socket.end(
        `HTTP/1.1 ${denied?.status ?? 404} ${denied ? 'Refused' : 'Not Found'}\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws));
  });

  function bridge(ws: WebSocket): void {
    const unsubscribe = eventNames.map((event) =>
      core.on(event, (payload) => ws.send(JSON.stringify({ event, payload }))),
    );
    ws.on('close', () => unsubscribe.forEach((u) => u()));
    ws.on('message', async (data) => {
      let message: { id?: unknown; command?: unknown; payload?: unknown };
      try {
        message = JSON.parse(String(data));
      } catch {
        return ws.send(
          JSON.stringify({
            id: null,
            ok: false,
            error: { code: 'invalid-request', message: 'Messages must be JSON.' },
          }),
        );
      }
      const reply = (body: { ok: true; value: unknown } | { ok: false; error: CommandError }) =>
        ws.send(JSON.stringify({ id: message.id ?? null, ...body }));
      if (!isCommandName(message.command))
        return reply({
          ok: false,
          error: { code: 'unknown-command', message: `Unknown command: ${String(message.command)}.` },
        });
      try {
        const value = await core.invoke(message.command, message.payload);
        reply({ ok: true, value: value ?? null });
      } catch (error) {
        reply({
          ok: false,
          error: {
            code: error instanceof InvalidRequestError ? 'invalid-request' : 'failed',
            message: (error as Error).message,
          },
        });
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A dropped file's name, made safe: no folders, no control characters, no dot-only names. */
export function sanitizeName(raw: string): string {
  const name = basename(raw.replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .trim()
    .slice(0, 255);
  return /^\.*$/.test(name) ? '' : name;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The same policy as the desktop window, plus the WebSocket to ourselves. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

async function sendFile(
  res: ServerResponse,
  path: string,
  type: string,
  headers: Record<string, string>,
): Promise<void> {
  const body = await readFile(path);
  res.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}
