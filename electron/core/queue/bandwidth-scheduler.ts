import type { BandwidthInEffect, BandwidthRule } from '../../shared/settings-types.ts';
import { bandwidthAt } from './bandwidth-schedule.ts';

/**
 * The longest the scheduler sleeps before it looks at the wall clock again. Timers run on a
 * clock that stops while the computer sleeps, and the wall clock can be set or change zone: a
 * timer armed for the next window edge hours away could fire hours late. Looking every minute
 * costs nothing (a few rules over a week) and keeps a switch within a minute of its time.
 */
const MAX_SLEEP_MS = 60_000;

/**
 * Applies a weekly bandwidth schedule as time passes: `onChange` gets the limit in force whenever
 * it changes (the queue's limiter applies it to the next piece of every transfer).
 */
export class BandwidthScheduler {
  private schedule: readonly BandwidthRule[] = [];
  private plain = 0;
  private current: BandwidthInEffect = { bytesPerSecond: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onChange: (limit: BandwidthInEffect) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The limit in force now. */
  get inEffect(): BandwidthInEffect {
    return this.current;
  }

  /** New rules or plain limit: applied at once, then as their windows open and close. */
  configure(schedule: readonly BandwidthRule[], plainBytesPerSecond: number): BandwidthInEffect {
    this.schedule = schedule;
    this.plain = plainBytesPerSecond;
    this.evaluate(true);
    return this.current;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private evaluate(force: boolean): void {
    clearTimeout(this.timer);
    const at = this.now();
    const next = bandwidthAt(this.schedule, this.plain, new Date(at));
    const changed =
      next.bytesPerSecond !== this.current.bytesPerSecond ||
      next.rule !== this.current.rule ||
      next.until !== this.current.until;
    this.current = next;
    if (force || changed) this.onChange(next);
    if (this.schedule.length === 0) return;
    const wait = Math.min(MAX_SLEEP_MS, Math.max(0, (next.until ?? Infinity) - at));
    this.timer = setTimeout(() => this.evaluate(false), wait);
    this.timer.unref?.();
  }
}
