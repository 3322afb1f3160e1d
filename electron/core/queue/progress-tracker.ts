import type { Clock } from '../ports.ts';

interface ItemProgress {
  sentBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  lastEmit: number;
  /** Bytes at the last speed sample. */
  sampledBytes: number;
}

const ITEM_EVENT_INTERVAL_MS = 100; // at most ~10 progress events per second per item
const TOTALS_EVENT_INTERVAL_MS = 250;
const SAMPLE_INTERVAL_MS = 1000;
const SMOOTHING = 0.3;

/**
 * Byte progress in memory only (never written to disk): monotonic per item, rate-limited events,
 * and speeds smoothed over time so the ETA does not jump about.
 */
export class ProgressTracker {
  private readonly items = new Map<string, ItemProgress>();
  private totalSent = 0;
  private sampledTotal = 0;
  private totalSpeed = 0;
  private sampler: NodeJS.Timeout | undefined;
  private totalsTimer: NodeJS.Timeout | undefined;
  private lastTotals = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onItem: (id: string) => void,
    private readonly onTotals: () => void,
  ) {}

  start(): void {
    this.sampler ??= setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    this.sampler.unref?.();
  }

  stop(): void {
    clearInterval(this.sampler);
    this.sampler = undefined;
    clearTimeout(this.totalsTimer);
    this.totalsTimer = undefined;
  }

  begin(id: string, totalBytes: number): void {
    const previous = this.items.get(id);
    this.items.set(id, {
      sentBytes: 0,
      totalBytes,
      bytesPerSecond: previous?.bytesPerSecond ?? 0,
      lastEmit: 0,
      sampledBytes: 0,
    });
  }

  /** `sentBytes` of the item; lower values than already shown are ignored (progress never goes back). */
  update(id: string, sentBytes: number): void {
    const p = this.items.get(id);
    if (!p) return;
    const next = Math.min(Math.max(p.sentBytes, sentBytes), p.totalBytes);
    this.totalSent += next - p.sentBytes;
    p.sentBytes = next;
    const now = this.clock.now();
    if (now - p.lastEmit >= ITEM_EVENT_INTERVAL_MS || next === p.totalBytes) {
      p.lastEmit = now;
      this.onItem(id);
      this.totalsChanged();
    }
  }

  get(id: string): { sentBytes: number; totalBytes: number; bytesPerSecond: number } | undefined {
    const p = this.items.get(id);
    return (
      p && { sentBytes: p.sentBytes, totalBytes: p.totalBytes, bytesPerSecond: Math.round(p.bytesPerSecond) }
    );
  }

  clear(id: string): void {
    this.items.delete(id);
  }

  speed(): number {
    return Math.round(this.totalSpeed);
  }

  /** Asks for a totals event; several asks close together make one. */
  totalsChanged(): void {
    if (this.totalsTimer) return;
    const wait = Math.max(0, this.lastTotals + TOTALS_EVENT_INTERVAL_MS - this.clock.now());
    this.totalsTimer = setTimeout(() => {
      this.totalsTimer = undefined;
      this.lastTotals = this.clock.now();
      this.onTotals();
    }, wait);
  }

  private sample(): void {
    const seconds = SAMPLE_INTERVAL_MS / 1000;
    this.totalSpeed =
      SMOOTHING * ((this.totalSent - this.sampledTotal) / seconds) + (1 - SMOOTHING) * this.totalSpeed;
    if (this.totalSpeed < 1) this.totalSpeed = 0;
    this.sampledTotal = this.totalSent;
    for (const p of this.items.values()) {
      p.bytesPerSecond =
        SMOOTHING * ((p.sentBytes - p.sampledBytes) / seconds) + (1 - SMOOTHING) * p.bytesPerSecond;
      p.sampledBytes = p.sentBytes;
    }
  }
}
