import { stat } from 'node:fs/promises';
import type { Clock } from '../ports.ts';
import type { ItemRecord } from './item-record.ts';

/** What the timers need from the queue whose items they wake. */
export interface WakeHost {
  clock: Clock;
  items(): Record<string, ItemRecord>;
  /** Whether the queue is working; a stopped queue schedules nothing. */
  running(): boolean;
  /** Resolves when the platform answers at all (the network is back), rejects otherwise. */
  probe(): Promise<void>;
  /** Puts a waiting or missing item back to work. */
  wake(item: ItemRecord): void;
  /** A missing source file is there again: whatever was learnt about the old one is stale. */
  sourceReturned(item: ItemRecord): void;
  /** While items wait for the network, how often to check whether it is back. */
  probeIntervalMs: number;
  /** How often to look for files that went missing. */
  sourceCheckIntervalMs: number;
  /** When a timed "pause all" ends, if one is in force. */
  pausedUntil(): number | undefined;
  resumeAll(): void;
}

/**
 * The longest a timed pause sleeps before it looks at the wall clock again: timers stop while
 * the computer sleeps, so "paused until 14:00" would otherwise end late after a suspend.
 */
const MAX_PAUSE_SLEEP_MS = 60_000;

/**
 * The reasons items sleep, each with one timer for all items: a wait with a time to end
 * (backoff, rate limit), a network that is down (probed until it answers, so nobody waits out a
 * long backoff once it is back), a source file that went missing (a drive is re-plugged), and a
 * timed "pause all".
 */
export class WakeTimers {
  private wakeTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private sourceTimer: NodeJS.Timeout | undefined;
  private pauseTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: WakeHost) {}

  /** Wakes waiting items when their time comes; call again whenever a wait is added. */
  scheduleWake(): void {
    clearTimeout(this.wakeTimer);
    if (!this.host.running()) return;
    let first = Infinity;
    for (const item of Object.values(this.host.items()))
      if (item.state === 'waiting' && item.wait?.resumeAt !== undefined)
        first = Math.min(first, item.wait.resumeAt);
    if (first === Infinity) return;
    this.wakeTimer = setTimeout(
      () => {
        const now = this.host.clock.now();
        for (const item of Object.values(this.host.items()))
          if (item.state === 'waiting' && item.wait?.resumeAt !== undefined && item.wait.resumeAt <= now)
            this.host.wake(item);
        this.scheduleWake();
      },
      Math.max(0, first - this.host.clock.now()),
    );
  }

  /** While items wait for the network, checks now and then whether it is back, and wakes them at once. */
  scheduleProbe(): void {
    if (this.probeTimer || !this.host.running()) return;
    this.probeTimer = setTimeout(async () => {
      this.probeTimer = undefined;
      const waiting = () =>
        Object.values(this.host.items()).filter(
          (i) => i.state === 'waiting' && (i.wait?.code === 'offline' || i.wait?.code === 'server'),
        );
      if (waiting().length === 0 || !this.host.running()) return;
      try {
        await this.host.probe();
        for (const item of waiting()) this.host.wake(item);
      } catch {
        this.scheduleProbe();
      }
    }, this.host.probeIntervalMs);
  }

  /** Looks now and then for source files that went missing, and wakes the items whose file is back. */
  scheduleSourceCheck(): void {
    if (this.sourceTimer || !this.host.running()) return;
    const missing = () =>
      Object.values(this.host.items()).filter(
        (i) => i.state === 'source-missing' && i.source.kind === 'file',
      );
    if (missing().length === 0) return;
    this.sourceTimer = setTimeout(async () => {
      for (const item of missing()) {
        const there = await stat((item.source as { path: string }).path).then(
          () => true,
          () => false,
        );
        if (there && item.state === 'source-missing') this.host.sourceReturned(item);
      }
      this.sourceTimer = undefined;
      this.scheduleSourceCheck();
    }, this.host.sourceCheckIntervalMs);
  }

  /** Ends a timed "pause all" when its time comes; call again whenever the pause changes. */
  scheduleResumeAll(): void {
    clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    const until = this.host.pausedUntil();
    if (until === undefined || !this.host.running()) return;
    const left = until - this.host.clock.now();
    if (left <= 0) return this.host.resumeAll();
    this.pauseTimer = setTimeout(() => this.scheduleResumeAll(), Math.min(left, MAX_PAUSE_SLEEP_MS));
  }

  /** Cancels every timer; the schedule* methods start them again after a restart. */
  stop(): void {
    for (const timer of [this.wakeTimer, this.probeTimer, this.sourceTimer, this.pauseTimer])
      clearTimeout(timer);
    this.wakeTimer = this.probeTimer = this.sourceTimer = this.pauseTimer = undefined;
  }
}
