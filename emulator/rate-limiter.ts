export interface RateLimit {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

interface Window {
  startedAt: number;
  used: number;
}

export type RateDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; retryAfterSeconds: number };

/**
 * One counter per endpoint category, in fixed windows, so that the four `X-Ratelimit-*` headers
 * (§6) mean exactly what the docs say: the window's limit, what is left, what was used, and when it
 * resets (UTC epoch seconds). Categories with no configured limit are not limited and send no headers.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private limits: Record<string, RateLimit>,
    private readonly now: () => number = Date.now,
  ) {}

  configure(limits: Record<string, RateLimit>): void {
    this.limits = limits;
    this.windows.clear();
  }

  get configured(): Record<string, RateLimit> {
    return this.limits;
  }

  check(category: string | undefined): RateDecision | undefined {
    if (!category) return undefined;
    const limit = this.limits[category];
    if (!limit) return undefined;
    const now = this.now();
    const windowMs = limit.windowSeconds * 1000;
    let window = this.windows.get(category);
    if (!window || now >= window.startedAt + windowMs) {
      window = { startedAt: now, used: 0 };
      this.windows.set(category, window);
    }
    const resetAt = window.startedAt + windowMs;
    const headers = (used: number) => ({
      'X-Ratelimit-Limit': String(limit.limit),
      'X-Ratelimit-Remaining': String(Math.max(0, limit.limit - used)),
      'X-Ratelimit-Used': String(used),
      'X-Ratelimit-Reset': String(Math.ceil(resetAt / 1000)),
    });
    if (window.used >= limit.limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((resetAt - now) / 1000));
      return {
        allowed: false,
        retryAfterSeconds,
        headers: { ...headers(window.used), 'Retry-After': String(retryAfterSeconds) },
      };
    }
    window.used++;
    return { allowed: true, headers: headers(window.used) };
  }
}
