import type { Clock } from '../ports.ts';

/** Rate-limit categories (§6): `POST /assets` has its own; storage PUTs are not the API's at all. */
export const CATEGORY = {
  create: 'assets:create',
  multipart: 'assets:multipart',
  read: 'assets:read',
  storage: 'storage',
} as const;

/**
 * One gate per endpoint category (§6: endpoints in a category share a limit). When any call sees
 * a 429, the whole category closes until the reset, so N parallel uploads wait together instead
 * of each retrying into the limit; when it reopens, each waiter adds its own small jitter so they
 * do not all return in the same millisecond.
 */
export class RateLimitGate {
  private readonly closedUntil = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly reopenJitterMs = 250,
    private readonly random: () => number = Math.random,
  ) {}

  close(category: string, forMs: number): void {
    const until = this.clock.now() + forMs;
    if (until > (this.closedUntil.get(category) ?? 0)) this.closedUntil.set(category, until);
  }

  /** When the category reopens (epoch ms), or undefined when it is open. */
  reopensAt(category: string): number | undefined {
    const until = this.closedUntil.get(category);
    return until !== undefined && until > this.clock.now() ? until : undefined;
  }

  /** Waits while the category is closed (it may be closed again meanwhile). */
  async pass(category: string, signal?: AbortSignal): Promise<void> {
    let waited = false;
    for (let until = this.reopensAt(category); until !== undefined; until = this.reopensAt(category)) {
      waited = true;
      await this.clock.sleep(until - this.clock.now(), signal);
    }
    if (waited) await this.clock.sleep(Math.round(this.random() * this.reopenJitterMs), signal);
  }
}
