import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';

export class FetchError extends Error {}

/**
 * Opens a public URL the way the platform's fetcher would: http(s) only, up to 5 redirects, a
 * 2xx answer required. Loopback addresses are allowed, so tests can serve their own files.
 */
export function openUrl(url: string, signal: AbortSignal, redirectsLeft = 5): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return reject(new FetchError('The URL is not valid.'));
    }
    const get = target.protocol === 'https:' ? httpsGet : target.protocol === 'http:' ? httpGet : undefined;
    if (!get) return reject(new FetchError('Only http and https URLs can be fetched.'));
    const req = get(target, { signal, timeout: 30_000 }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirectsLeft <= 0) return reject(new FetchError('The URL redirected too many times.'));
        return resolve(openUrl(new URL(res.headers.location, target).toString(), signal, redirectsLeft - 1));
      }
      if (status < 200 || status >= 300) {
        res.resume();
        return reject(
          new FetchError(`The URL answered HTTP ${status}; the platform could not download the file.`),
        );
      }
      res.setTimeout(30_000, () => res.destroy(new FetchError('The download stalled for 30 seconds.')));
      resolve(res);
    });
    req.on('timeout', () =>
      req.destroy(new FetchError('The server at the URL did not answer within 30 seconds.')),
    );
    req.on('error', (err) =>
      reject(
        err instanceof FetchError ? err : new FetchError(`The file could not be downloaded: ${err.message}.`),
      ),
    );
  });
}
