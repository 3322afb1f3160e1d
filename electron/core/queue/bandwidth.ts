import type { BandwidthLimiter } from '../api/counted-body.ts';
import type { Clock } from '../ports.ts';

/**
 * One token bucket shared by every transfer, so the limit is on the sum, not per upload.
 * Changing the rate applies to the next piece of every transfer (live, no restart).
 * Bursts are at most a quarter second's worth.
 */
export class TokenBucketLimiter implements BandwidthLimiter {
  private tokens = 0;
  private last: number;
  private bytesPerSecond: number;

  constructor(
    bytesPerSecond: number,
    private readonly clock: Clock,
  ) {
    this.bytesPerSecond = bytesPerSecond;
    this.last = clock.now();
  }

  get rate(): number {
    return this.bytesPerSecond;
  }

  /** 0 = unlimited. */
  setRate(bytesPerSecond: number): void {
    this.refill();
    this.bytesPerSecond = Math.max(0, bytesPerSecond);
    this.tokens = Math.min(this.tokens, this.burst());
  }

  private burst(): number {
    return this.bytesPerSecond / 4;
  }

  private refill(): void {
    const now = this.clock.now();
    if (this.bytesPerSecond > 0)
      this.tokens = Math.min(this.burst(), this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    this.last = now;
  }

  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.bytesPerSecond <= 0) return;
    this.refill();
    // Borrow: the debt is what makes callers wait, so pieces larger than the burst still pass.
    this.tokens -= bytes;
    while (this.tokens < 0 && this.bytesPerSecond > 0) {
      const waitMs = Math.ceil((-this.tokens / this.bytesPerSecond) * 1000);
      await this.clock.sleep(Math.min(waitMs, 250), signal);
      this.refill();
    }
  }
}

/**
 * Bytes that must pass two limits: the one on all uploads and the one on watched-folder uploads
 * (a share that fills all day should not take the whole link from what the person drops in).
 */
export class BothLimiters implements BandwidthLimiter {
  constructor(
    private readonly first: BandwidthLimiter,
    private readonly second: BandwidthLimiter,
  ) {}

  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    await this.first.take(bytes, signal);
    await this.second.take(bytes, signal);
  }
}
