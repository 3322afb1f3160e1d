/**
 * The renderer's Content-Security-Policy, one policy for both front ends: the desktop window
 * (sent with every page of the app:// protocol, electron/main/app-protocol.ts) and serve mode
 * (sent with index.html). Our own code only; images from us and data: URLs; media and the HLS
 * preview's playlists and segments from the platform's CDN over https (hls.js fetches them and
 * plays them through blob: MediaSource URLs); nothing can be framed, posted or based elsewhere.
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

/**
 * The policy with more sources for images, media and fetches: the Sandbox's media and HLS
 * preview come over http from loopback, which `https:` does not cover. Serve mode adds the
 * running Sandbox's own origin; the desktop page, which loads before the core knows whether it
 * runs the Sandbox, adds loopback (`http://127.0.0.1:*`), where only the Sandbox listens for us.
 */
export function policyWithMediaSources(sources: readonly string[]): string {
  if (sources.length === 0) return CONTENT_SECURITY_POLICY;
  return CONTENT_SECURITY_POLICY.split('; ')
    .map((directive) =>
      /^(img|media|connect)-src /.test(directive) ? `${directive} ${sources.join(' ')}` : directive,
    )
    .join('; ');
}
