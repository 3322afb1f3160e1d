/**
 * The request target, parsed without ever throwing past the caller: only origin-form targets
 * (`/path?query`) are served. `*`, absolute-form (`http://host/…`), authority-form, targets over
 * 8 KiB and bad percent-encoding become a RequestRefused with a 4xx, never an exception that
 * escapes the pipeline. (WHATWG `new URL('//', base)` throws: it reads `//` as a host.)
 */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface RequestTarget {
  /** Decoded path segments: `/thumbnail/abc` → ['thumbnail', 'abc']; `/` → ['']. */
  segments: string[];
  query: URLSearchParams;
}

export const MAX_TARGET_LENGTH = 8192;

export function parseTarget(raw: string | undefined): RequestTarget {
  if (!raw) throw new RequestRefused(400, 'The request has no target.');
  if (raw.length > MAX_TARGET_LENGTH) throw new RequestRefused(414, 'The address is too long.');
  if (raw[0] !== '/') throw new RequestRefused(400, 'Only addresses that start with "/" are served here.');
  // The HTTP parser already refuses spaces and most control characters; this keeps the rule here.
  if (/[\u0000-\u0020\u007f#]/.test(raw))
    throw new RequestRefused(400, 'The address has characters it may not have.');
  const mark = raw.indexOf('?');
  const path = mark === -1 ? raw : raw.slice(0, mark);
  const segments = path
    .slice(1)
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new RequestRefused(400, 'The address has bad percent-encoding.');
      }
    });
  // URLSearchParams never throws: a bad escape stays as it was written.
  return { segments, query: new URLSearchParams(mark === -1 ? '' : raw.slice(mark + 1)) };
}

/** The target for a log line: the path only (a query may carry a key), cut to a readable length. */
export function targetForLog(raw: string | undefined): string {
  const path = (raw ?? '').split('?')[0]!;
  const safe = path.replace(/[^\u0021-\u007e]/g, '?');
  return safe.length > 120 ? `${safe.slice(0, 120)}… (${safe.length} characters)` : safe;
}
