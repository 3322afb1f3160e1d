import type { Logger } from '../../core/ports.ts';

/**
 * Every refused request is logged, but a page that sends thousands must not flood the terminal:
 * at most `perSecond` lines a second, then one line saying how many were left out.
 */
export class LogLimiter {
  private windowStart = 0;
  private count = 0;
  private dropped = 0;

  constructor(
    private readonly logger: Logger,
    private readonly perSecond = 20,
    private readonly now: () => number = Date.now,
  ) {}

  warn(message: string): void {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      if (this.dropped > 0) this.logger.warn(`serve: ${this.dropped} more similar lines left out`);
      this.windowStart = now;
      this.count = 0;
      this.dropped = 0;
    }
    if (++this.count > this.perSecond) this.dropped++;
    else this.logger.warn(message);
  }
}

/** The CLI's logger for serve mode: one line per event on stderr. */
export const stderrLogger: Logger = {
  debug: () => undefined,
  info: (message) => console.error(message),
  warn: (message) => console.error(message),
  error: (message) => console.error(message),
};
