/**
 * The Sandbox's media (HLS playlists and segments, thumbnails), seen through the front end's own
 * origin: `/sandbox-media/…` in the desktop window (app://) and `/sandbox-media/<media key>/…` in
 * serve mode relay to the Sandbox's `/media/<asset id>/<token>/…` of the moment.
 *
 * Why a relay rather than the Sandbox's origin in the page's CSP: a page's policy is fixed when it
 * loads, and the Sandbox's origin is not (it starts, stops and moves port when the person switches
 * modes, after the page loaded). Through the relay the page needs only 'self', whatever the mode
 * and however often it changes, and no other local port is ever allowed. The platform's own media
 * (https CDN URLs) is fetched directly, under the policy's `https:`.
 */
export const SANDBOX_MEDIA_SEGMENT = 'sandbox-media';

const ASSET_ID = /^[0-9a-f]{24}$/;
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
/** What the Sandbox serves under an asset's media path (emulator/routes/media.ts): nothing else is relayed. */
const FILES = new Set(['thumbnail', 'source', 'hls/master.m3u8', 'hls/init.mp4', 'hls/segment.m4s']);

/** The Sandbox path that the relay's segments (after the prefix, and the key in serve mode) name, if any. */
export function sandboxMediaPath(segments: readonly string[]): string | undefined {
  const [id, token, ...file] = segments;
  if (!id || !token || !ASSET_ID.test(id) || !TOKEN.test(token) || !FILES.has(file.join('/')))
    return undefined;
  return `/media/${id}/${token}/${file.join('/')}`;
}

/**
 * Where the page loads a media URL from: the platform's https URLs as they are; the Sandbox's
 * (plain http, `/media/…`) through the relay at `relayBase` (`/sandbox-media` or
 * `/sandbox-media/<key>`); anything else is nothing the page may load (undefined).
 */
export function pageMediaUrl(url: string, relayBase: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // not a URL: nothing to load
  }
  if (parsed.protocol === 'https:') return url;
  if (parsed.protocol !== 'http:' || !parsed.pathname.startsWith('/media/')) return undefined;
  const segments = parsed.pathname.slice('/media/'.length).split('/');
  return sandboxMediaPath(segments) ? `${relayBase}/${segments.join('/')}` : undefined;
}
