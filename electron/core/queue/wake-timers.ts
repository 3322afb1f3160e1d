import { stat } from 'node:fs/promises';
import { LifecycleScope } from '../lifecycle-scope.ts';
import type { Clock, Logger } from '../ports.ts';
import type { ItemRecord } from './item-record.ts';

/** What the timers need from the queue whose items they wake. */
export interface WakeHost {
  clock: Clock;
  /** Where a failure inside a timer goes (it never becomes an uncaught exception). */
  logger?: Logger;
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
 * timed "pause all". The timers belong to a LifecycleScope, one per run of the queue: a callback
 * that fails is logged rather than thrown out of a timer (which would end the process).
 */
export class WakeTimers {
  private wakeTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private sourceTimer: NodeJS.Timeout | undefined;
  private pauseTimer: NodeJS.Timeout | undefined;
  private scope: LifecycleScope;

  constructor(private readonly host: WakeHost) {
    this.scope = this.newScope();
  }

  private newScope(): LifecycleScope {
    return new LifecycleScope('queue timers', this.host.logger ? { logger: this.host.logger } : {});
  }

  /** Wakes waiting items when their time comes; call again whenever a wait is added. */
  scheduleWake(): void {
    this.scope.clearTimer(this.wakeTimer);
    if (!this.host.running()) return;
    let first = Infinity;
    for (const item of Object.values(this.host.items()))
      if (item.state === 'waiting' && item.wait?.resumeAt !== undefined)
        first = Math.min(first, item.wait.resumeAt);
    if (first === Infinity) return;
    this.wakeTimer = this.scope.setTimeout('wake', Math.max(0, first - this.host.clock.now()), () => {
      const now = this.host.clock.now();
      for (const item of Object.values(this.host.items()))
        if (item.state === 'waiting' && item.wait?.resumeAt !== undefined && item.wait.resumeAt <= now)
          this.host.wake(item);
      this.scheduleWake();
    });
  }

  /** While items wait for the network, checks now and then whether it is back, and wakes them at once. */
  scheduleProbe(): void {
    if (this.probeTimer || !this.host.running()) return;
    this.probeTimer = this.scope.setTimeout('network probe', this.host.probeIntervalMs, async () => {
      this.probeTimer = undefined;
      const waiting = () =>
        Object.values(this.host.items()).filter(
          (i) => i.state === 'waiting' && (i.wait?.code === 'offline' || i.wait?.code === 'server'),
        );
      if (waiting().length === 0 || !this.host.running()) return;
      try {
        await this.host.probe();
      } catch {
        return this.scheduleProbe(); // still unreachable (expected while offline): look again later
      }
      if (this.host.running()) for (const item of waiting()) this.host.wake(item);
    });
  }

  /** Looks now and then for source files that went missing, and wakes the items whose file is back. */
  scheduleSourceCheck(): void {
    if (this.sourceTimer || !this.host.running()) return;
    const missing = () =>
      Object.values(this.host.items()).filter(
        (i) => i.state === 'source-missing' && i.source.kind === 'file',
      );
    if (missing().length === 0) return;
    const scope = this.scope;
    this.sourceTimer = scope.setTimeout('missing files', this.host.sourceCheckIntervalMs, async () => {
      try {
        for (const item of missing()) {
          const there = await stat((item.source as { path: string }).path).then(
            () => true,
            () => false,
          );
          // Stopped meanwhile: the queue's document is closed, nothing may change it now.
          if (!this.host.running()) return;
          if (there && item.state === 'source-missing') this.host.sourceReturned(item);
        }
      } finally {
        // A check that outlived a stop leaves the next run's timer alone.
        if (this.scope === scope) {
          this.sourceTimer = undefined;
          this.scheduleSourceCheck();
        }
      }
    });
  }

  /** Ends a timed "pause all" when its time comes; call again whenever the pause changes. */
  scheduleResumeAll(): void {
    this.scope.clearTimer(this.pauseTimer);
    this.pauseTimer = undefined;
    const until = this.host.pausedUntil();
    if (until === undefined || !this.host.running()) return;
    const left = until - this.host.clock.now();
    if (left <= 0) return this.host.resumeAll();
    this.pauseTimer = this.scope.setTimeout('timed pause', Math.min(left, MAX_PAUSE_SLEEP_MS), () =>
      this.scheduleResumeAll(),
    );
  }

  /**
   * Cancels every timer; the schedule* methods start them again after a restart (in a new scope).
   * A check under way is not waited for (a probe of a dead network, a stat of an unplugged network
   * drive can take minutes and must not hold up quitting): each one looks at running() after
   * every wait, so it changes nothing once the queue stopped.
   */
  stop(): void {
    const scope = this.scope;
    this.scope = this.newScope();
    this.wakeTimer = this.probeTimer = this.sourceTimer = this.pauseTimer = undefined;
    void scope.close(); // no closers, so it cannot reject; its tasks' failures are logged
  }
}
