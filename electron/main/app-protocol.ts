import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import { APP_SCHEME, DESKTOP_POLICY, imageTypeOf, resolveAppRequest } from './app-url.ts';
import type { Logger } from '../core/ports.ts';
import { fetchSandboxMedia, NoSandboxMedia } from '../core/sandbox-media-relay.ts';

/** Must run before the app is ready: app:// behaves like https (origin, fetch, secure context). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true },
    },
  ]);
}

/**
 * Serves app:// from the built renderer folder, with the CSP on every page, the library's
 * cached thumbnails by asset id (the renderer never names a path on disk), and the Sandbox's media.
 */
export function serveAppProtocol(
  rendererDir: string,
  thumbnailPath: (assetId: string) => string | undefined,
  logger: Logger,
  /** The API base URL the core talks to now (the Sandbox's, on the Sandbox); undefined before the core. */
  apiBaseUrl: () => string | undefined = () => undefined,
): () => void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = resolveAppRequest(request.url, rendererDir);
    const notFound = () => new Response('Not found', { status: 404 });
    try {
      if (target.kind === 'thumbnail') {
        const path = thumbnailPath(target.assetId);
        if (!path) return notFound();
        const bytes = await readFile(path);
        return new Response(bytes, {
          headers: { 'content-type': imageTypeOf(bytes), 'x-content-type-options': 'nosniff' },
        });
      }
      if (target.kind === 'sandbox-media') return await relaySandboxMedia(apiBaseUrl(), target.path, logger);
      if (target.kind === 'not-found') return notFound();
      const headers: Record<string, string> = {
        'content-type': target.type,
        'x-content-type-options': 'nosniff',
      };
      if (target.page) headers['content-security-policy'] = DESKTOP_POLICY;
      return new Response(await readFile(target.path), { headers });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        logger.warn('app:// could not serve a file', { url: request.url, error: String(error) });
      return notFound();
    }
  });
  return () => protocol.unhandle(APP_SCHEME);
}

/** The Sandbox's media, from the Sandbox of the moment (its port changes with the mode). */
async function relaySandboxMedia(
  baseUrl: string | undefined,
  path: string,
  logger: Logger,
): Promise<Response> {
  const media = await fetchSandboxMedia(baseUrl ?? '', path).catch((error: unknown) => {
    if (!(error instanceof NoSandboxMedia))
      logger.warn("app:// could not read the Sandbox's media", { path, error: String(error) });
    return undefined;
  });
  if (!media) return new Response('No Sandbox media', { status: 404 });
  if (media.status !== 200) {
    media.body.resume();
    return new Response('Not found', { status: 404 });
  }
  return new Response(Readable.toWeb(media.body) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': media.type,
      'x-content-type-options': 'nosniff',
      ...(media.length !== undefined && { 'content-length': String(media.length) }),
    },
  });
}
