import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { RequestRefused } from './request-target.ts';
import { sendBytes, sendError } from './security-headers.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** What a name that is not one of our files gets from the file system. */
const NOT_THERE = new Set(['ENOENT', 'EISDIR', 'ENOTDIR', 'ENAMETOOLONG', 'EILSEQ']);

/**
 * The built renderer (vite build → out/renderer): public, non-secret files (the page holds no
 * data until its script connects with the token), so they need no token. Only names inside the
 * folder, no dot-segments, no encoded slashes.
 */
export async function sendStatic(
  req: IncomingMessage,
  res: ServerResponse,
  rendererDir: string,
  segments: string[],
  pageCsp: string,
): Promise<void> {
  const root = resolve(rendererDir);
  const isIndex = segments.length === 1 && (segments[0] === '' || segments[0] === 'index.html');
  if (!isIndex && segments.some((s) => s === '' || s === '.' || s === '..' || /[\\/\u0000]/.test(s)))
    throw new RequestRefused(404, 'Not found.');
  const full = isIndex ? join(root, 'index.html') : resolve(root, ...segments);
  if (!full.startsWith(root + sep)) throw new RequestRefused(404, 'Not found.');
  const body = await readFile(full).catch((error: NodeJS.ErrnoException) => {
    if (NOT_THERE.has(error.code ?? '')) return undefined;
    throw error;
  });
  if (body)
    return sendBytes(
      res,
      200,
      MIME[extname(full)] ?? 'application/octet-stream',
      body,
      {},
      isIndex ? pageCsp : undefined,
    );
  if (isIndex)
    return sendError(
      req,
      res,
      503,
      'The web interface is not built yet: run `npm run build` once, then reload.',
    );
  // No icon shipped: say "nothing here" without an error in the browser's console.
  if (segments.length === 1 && segments[0] === 'favicon.ico') return sendBytes(res, 204, 'image/x-icon', '');
  throw new RequestRefused(404, 'Not found.');
}
