export interface BackoffPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Stop retrying once this much time has passed since the first attempt. */
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  maxAttempts: 5,
  maxTotalMs: 90_000,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
};

/**
 * Exponential backoff with full jitter (a random delay between 0 and the exponential cap), so
 * that many clients failing together do not come back together; never less than what the server
 * asked for (`Retry-After`, `X-Ratelimit-Reset`).
 */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  serverMinimumMs: number | undefined,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * cap);
  return Math.max(jittered, serverMinimumMs ?? 0);
}

/**
 * How long the server asked us to wait, from `Retry-After` (seconds or an HTTP date) and
 * `X-Ratelimit-Reset` (UTC epoch seconds); the later of the two. The rate-limit headers come on
 * every answer of a rate-limited route (§6), so their reset is a delay only on a 429: on a 5xx it
 * says when the rate window turns over, not when the server will be back.
 */
export function serverWaitMs(
  headers: Record<string, string | string[] | undefined>,
  now: number,
  status = 429,
): number | undefined {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const waits: number[] = [];
  const retryAfter = header('retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) waits.push(seconds * 1000);
    else {
      const at = Date.parse(retryAfter);
      if (Number.isFinite(at)) waits.push(at - now);
    }
  }
  const reset = status === 429 ? Number(header('x-ratelimit-reset')) : NaN;
  if (Number.isFinite(reset) && reset > 0) waits.push(reset * 1000 - now);
  const positive = waits.filter((w) => w > 0);
  return positive.length > 0 ? Math.max(...positive) : undefined;
}
