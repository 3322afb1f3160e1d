/**
 * Removes secrets from text meant for logs and error messages: the API key wherever it appears,
 * and the query string of any URL (presigned storage URLs carry their credentials there).
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(/(https?:\/\/[^\s"'?#]+)\?[^\s"'#]*/g, '$1?[redacted]');
}

/** A URL for logs: origin and path only. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? '?[redacted]' : ''}`;
  } catch {
    return '[invalid url]';
  }
}
