import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { APP_SCHEME, DESKTOP_POLICY, imageTypeOf, resolveAppRequest } from './app-url.ts';
import type { Logger } from '../core/ports.ts';

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
 * Serves app:// from the built renderer folder, with the CSP on every page, and the library's
 * cached thumbnails by asset id (the renderer never names a path on disk).
 */
export function serveAppProtocol(
  rendererDir: string,
  thumbnailPath: (assetId: string) => string | undefined,
  logger: Logger,
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
