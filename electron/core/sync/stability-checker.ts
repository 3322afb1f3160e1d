import { stat } from 'node:fs/promises';
import type { Clock } from '../ports.ts';

export interface StableFile {
  size: number;
  mtimeMs: number;
  /** Its path relative to the watched folder, when known (computed once, not at each step). */
  rel?: string;
}

/** Files looked at in parallel when many fall due at once. */
const CHECKS_AT_ONCE = 8;

interface Pending extends StableFile {
  checkAt: number;
}

/**
 * Decides when a file is finished: its size and mtime held still across two checks a set interval
 * apart (longer for large files), or its mtime already older than that interval when first seen. chokidar's awaitWriteFinish alone is not enough for big copies
 * or files present at start. Only stat is used: no handle is kept open between checks, so the
 * writer is never disturbed.
 */
export class StabilityChecker {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly clock: Clock,
    private readonly baseIntervalMs: number,
    private readonly onStable: (path: string, file: StableFile) => void,
    private readonly onGone: (path: string) => void,
  ) {}

  get waiting(): number {
    return this.pending.size;
  }

  /** Large files get longer: a stalled network copy of a big file pauses longer between writes. */
  intervalFor(size: number): number {
    return Math.round(this.baseIntervalMs * (1 + Math.min(3, size / 1e9)));
  }

  /**
   * Starts (or restarts, after a change event) watching a file until it holds still. `known`: what
   * the caller's own stat just said, so the file is not looked at twice in a row.
   */
  async observe(path: string, known?: StableFile): Promise<void> {
    // Gone or unreadable: no longer waited on (a rescan reports one that cannot be read).
    let info = known;
    if (!info) {
      // Gone or unreadable is an answer here, handled just below: no longer waited on.
      const found = await stat(path).catch(() => undefined);
      if (found?.isFile()) info = { size: found.size, mtimeMs: found.mtimeMs };
    }
    if (!info) {
      if (this.pending.delete(path)) this.onGone(path);
      return;
    }
    // Already waiting on exactly this (a rescan met it again): its clock keeps running.
    const waiting = this.pending.get(path);
    if (waiting && waiting.size === info.size && waiting.mtimeMs === info.mtimeMs) return;
    // Not written to for longer than the interval already (a first scan meets thousands such):
    // a second look an interval later could only say the same. Every write moves the mtime, and
    // copy tools that keep the source's mtime set it when the data is all there.
    if (this.clock.now() - info.mtimeMs >= this.intervalFor(info.size)) {
      this.pending.delete(path);
      this.onStable(path, info);
      return;
    }
    this.pending.set(path, {
      size: info.size,
      mtimeMs: info.mtimeMs,
      checkAt: this.clock.now() + this.intervalFor(info.size),
    });
    this.schedule();
  }

  forget(path: string): void {
    this.pending.delete(path);
  }

  forgetUnder(prefix: string): void {
    for (const path of this.pending.keys()) if (path.startsWith(prefix)) this.pending.delete(path);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private schedule(): void {
    if (this.timer || this.pending.size === 0) return;
    let next = Infinity;
    for (const p of this.pending.values()) if (p.checkAt < next) next = p.checkAt;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.check();
      },
      Math.max(50, next - this.clock.now()),
    );
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const now = this.clock.now();
      const due = [...this.pending].filter(([, p]) => p.checkAt <= now);
      // A few looks at once: thousands of files found by a first scan fall due together.
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < due.length; i = next++) await this.look(...due[i]!);
      };
      await Promise.all(Array.from({ length: Math.min(CHECKS_AT_ONCE, due.length) }, worker));
    } finally {
      this.checking = false;
      this.schedule();
    }
  }

  private async look(path: string, before: Pending): Promise<void> {
    if (this.pending.get(path) !== before) return; // observed again meanwhile
    const info = await stat(path).catch(() => undefined); // as in observe: gone or unreadable
    if (this.pending.get(path) !== before) return;
    if (!info?.isFile()) {
      this.pending.delete(path);
      this.onGone(path);
    } else if (info.size === before.size && info.mtimeMs === before.mtimeMs) {
      this.pending.delete(path);
      this.onStable(path, { size: info.size, mtimeMs: info.mtimeMs });
    } else {
      this.pending.set(path, {
        size: info.size,
        mtimeMs: info.mtimeMs,
        checkAt: this.clock.now() + this.intervalFor(info.size),
      });
    }
  }
}
