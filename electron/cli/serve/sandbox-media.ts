import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { fetchSandboxMedia, NoSandboxMedia } from '../../core/sandbox-media-relay.ts';
import type { UploaderCore } from '../../core/uploader-core.ts';
import { sandboxMediaPath } from '../../shared/sandbox-media.ts';
import type { LogLimiter } from './log-limiter.ts';
import { RequestRefused } from './request-target.ts';
import { securityHeaders } from './security-headers.ts';

/**
 * `/sandbox-media/<media key>/<asset id>/<token>/<file>`: the Sandbox's media through our own
 * origin (electron/shared/sandbox-media.ts says why), so the page's CSP names no other port and
 * stays right when the person switches modes after the page loaded. The key is in the path, not
 * the query: an HLS playlist's relative URIs keep the path and drop the query.
 */
export async function sendSandboxMedia(
  core: UploaderCore,
  log: LogLimiter,
  req: IncomingMessage,
  res: ServerResponse,
  segments: string[],
): Promise<void> {
  const path = sandboxMediaPath(segments.slice(2));
  if (!path) throw new RequestRefused(404, 'No such media.');
  const aborted = new AbortController();
  res.once('close', () => aborted.abort());
  const media = await fetchSandboxMedia(core.apiBaseUrl, path, aborted.signal).catch((error: unknown) => {
    if (error instanceof NoSandboxMedia)
      throw new RequestRefused(404, 'No Sandbox media: the app is not on the Sandbox.');
    log.warn(`serve: the Sandbox's media could not be read: ${(error as Error).message}`);
    throw new RequestRefused(502, 'The Sandbox did not answer.');
  });
  if (media.status !== 200) {
    media.body.resume();
    throw new RequestRefused(
      media.status === 404 ? 404 : 502,
      media.status === 404 ? 'No such media.' : 'The Sandbox did not answer.',
    );
  }
  res.writeHead(200, {
    ...securityHeaders(),
    'content-type': media.type,
    ...(media.length !== undefined && { 'content-length': String(media.length) }),
  });
  if (req.method === 'HEAD') {
    media.body.destroy();
    return void res.end();
  }
  // A reader gone mid-stream (the player seeks, the dialog closes) is no failure to report.
  await pipeline(media.body, res).catch((error: unknown) => {
    if (!aborted.signal.aborted)
      log.warn(`serve: relaying the Sandbox's media stopped: ${(error as Error).message}`);
  });
}
