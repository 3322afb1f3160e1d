import { request, type IncomingMessage } from 'node:http';

/**
 * The front ends' relay of the Sandbox's media (electron/shared/sandbox-media.ts says why): a GET
 * of one media path on the API origin the core talks to now, when that is plain http on loopback
 * (the in-process Sandbox, or an emulator the person runs). Nothing of the request is passed on
 * (no cookie, no key, no header): the Sandbox's media URLs are their own permission.
 */
export interface RelayedMedia {
  status: number;
  /** One of the types a stream or a thumbnail has; anything else goes out as octet-stream. */
  type: string;
  length?: number;
  body: IncomingMessage;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const TYPES = new Set([
  'application/vnd.apple.mpegurl',
  'video/mp2t',
  'video/mp4',
  'audio/mp4',
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
]);

/** The origin to relay to, or undefined when the core talks to the platform (https) or no URL. */
export function sandboxMediaOrigin(apiBaseUrl: string): string | undefined {
  try {
    const url = new URL(apiBaseUrl);
    return url.protocol === 'http:' && LOOPBACK.has(url.hostname) ? url.origin : undefined;
  } catch {
    return undefined; // no base URL to trust (the core refuses such a one when it is set)
  }
}

export class NoSandboxMedia extends Error {}

/** `path` from sandboxMediaPath (checked there); rejects with NoSandboxMedia when nothing is relayed. */
export function fetchSandboxMedia(
  apiBaseUrl: string,
  path: string,
  signal?: AbortSignal,
): Promise<RelayedMedia> {
  const origin = sandboxMediaOrigin(apiBaseUrl);
  if (!origin) return Promise.reject(new NoSandboxMedia('The Sandbox is not running.'));
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { method: 'GET', signal, timeout: 30_000 }, (res) => {
      const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const length = Number(res.headers['content-length']);
      resolve({
        status: res.statusCode ?? 502,
        type: TYPES.has(type) ? type : 'application/octet-stream',
        length: Number.isSafeInteger(length) && length >= 0 ? length : undefined,
        body: res,
      });
    });
    req.on('timeout', () => req.destroy(new Error('The Sandbox did not answer in 30 s.')));
    req.on('error', reject);
    req.end();
  });
}
