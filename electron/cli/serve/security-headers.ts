import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../../shared/content-security-policy.ts';

/**
 * The headers every answer of serve mode carries, and the few ways it answers. No answer is ever
 * cached (pages, thumbnails and errors alike), framed, sniffed, embedded by another origin or
 * given a Referer to pass on.
 */

/**
 * The page's policy: the one both front ends share, nothing added. The Sandbox's media reaches the
 * page through our own origin (sandbox-media.ts), so the policy is right in every mode, also after
 * the person switches modes with the page open (a loaded page's policy cannot change).
 */
export const PAGE_POLICY = CONTENT_SECURITY_POLICY;

/** Everything that is not the page (JSON, images, scripts) needs no policy of its own but this. */
const RESOURCE_CSP = "default-src 'none'; frame-ancestors 'none'";

/** `page`: the policy of the page itself (index.html); every other answer gets the resource policy. */
export function securityHeaders(page?: string): Record<string, string> {
  return {
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': page ?? RESOURCE_CSP,
    // Another origin (any other local port included) may not embed or read what we answer.
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
  };
}

export function sendBytes(
  res: ServerResponse,
  status: number,
  type: string,
  body: Buffer | string,
  extra: Record<string, string> = {},
  page?: string,
): void {
  if (res.headersSent || res.destroyed) return;
  if (status === 204) {
    res.writeHead(204, { ...securityHeaders(page), ...extra });
    return void res.end();
  }
  res.writeHead(status, {
    ...securityHeaders(page),
    ...extra,
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra?: Record<string, string>,
): void {
  sendBytes(res, status, 'application/json; charset=utf-8', JSON.stringify(body), extra);
}

/**
 * An error, as a short HTML page when a person's browser navigates here (so they read a sentence,
 * not raw JSON), as `{error}` JSON for the page's own requests and scripts.
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  extra?: Record<string, string>,
): void {
  const navigating =
    req.headers['sec-fetch-dest'] === 'document' || /text\/html/.test(req.headers.accept ?? '');
  if (!navigating) return sendJson(res, status, { error: message }, extra);
  const html =
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>TL Uploader</title>' +
    '<meta name="color-scheme" content="light dark">' +
    `<body style="font:16px system-ui;max-width:40em;margin:4em auto;padding:0 1em"><h1>TL Uploader</h1><p>${escapeHtml(message)}</p></body></html>`;
  sendBytes(res, status, 'text/html; charset=utf-8', html, {
    ...extra,
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
