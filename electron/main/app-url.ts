/**
 * The window's pages come from our own `app://tl-uploader/` scheme (as VS Code does), not file://:
 * Electron applies a CSP sent with a protocol response, the page has a real origin to check
 * senders against, and no other local file is reachable from it. Pure; app-protocol.ts serves it.
 */
import { extname, resolve, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../shared/content-security-policy.ts';
import { SANDBOX_MEDIA_SEGMENT, sandboxMediaPath } from '../shared/sandbox-media.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'tl-uploader';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;
/**
 * The pages' CSP: the one serve mode shares, nothing added. The Sandbox's media comes through
 * app:// itself (`/sandbox-media/…`, electron/shared/sandbox-media.ts), so no local port is allowed
 * and the policy stays right when the person switches to or from the Sandbox with the window open.
 */
export const DESKTOP_POLICY = CONTENT_SECURITY_POLICY;

export type AppRequest =
  | { kind: 'file'; path: string; type: string; page: boolean }
  | { kind: 'thumbnail'; assetId: string }
  /** The Sandbox's media (HLS, thumbnails), relayed from wherever it runs now. */
  | { kind: 'sandbox-media'; path: string }
  | { kind: 'not-found' };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/**
 * What an app:// URL names: a file of the built renderer (never outside its folder), or a cached
 * library thumbnail (`/thumbnail/<asset id>`, the same path serve mode uses).
 */
export function resolveAppRequest(url: string, rendererDir: string): AppRequest {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'not-found' }; // an unparsable URL names nothing we serve
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return { kind: 'not-found' };
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return { kind: 'not-found' }; // a malformed %-escape names nothing we serve
  }
  if (path.startsWith(`/${SANDBOX_MEDIA_SEGMENT}/`)) {
    const media = sandboxMediaPath(path.slice(SANDBOX_MEDIA_SEGMENT.length + 2).split('/'));
    return media ? { kind: 'sandbox-media', path: media } : { kind: 'not-found' };
  }
  if (path.startsWith('/thumbnail/')) {
    const assetId = path.slice('/thumbnail/'.length);
    return /^[A-Za-z0-9_-]{1,128}$/.test(assetId) ? { kind: 'thumbnail', assetId } : { kind: 'not-found' };
  }
  const file = path === '/' ? 'index.html' : path.slice(1);
  const root = resolve(rendererDir);
  const full = resolve(root, file);
  if (!full.startsWith(root + sep) || file.includes('\0')) return { kind: 'not-found' };
  const ext = extname(full).toLowerCase();
  return { kind: 'file', path: full, type: TYPES[ext] ?? 'application/octet-stream', page: ext === '.html' };
}

/** A cached thumbnail's type, from its first bytes (the cache keeps no type; browsers want one). */
export function imageTypeOf(bytes: Uint8Array): string {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP')
    return 'image/webp';
  return 'application/octet-stream';
}
