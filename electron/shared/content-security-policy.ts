/**
 * The renderer's Content-Security-Policy, one policy for both front ends: the desktop window
 * (sent with every page of the app:// protocol, electron/main/app-protocol.ts) and serve mode
 * (sent with index.html). Our own code only; images from us and data: URLs; media and the HLS
 * preview's playlists and segments from the platform's CDN over https (hls.js fetches them and
 * plays them through blob: MediaSource URLs), the Sandbox's through our own origin ('self':
 * shared/sandbox-media.ts, so no local port is ever allowed and no mode change needs another
 * policy); nothing can be framed, posted or based elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "media-src 'self' blob: https:",
  "connect-src 'self' https:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
