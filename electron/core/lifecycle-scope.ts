import { defaultLogger, type Logger } from './ports.ts';

/** Something a scope ran that failed: a tracked task, a chain step, a timer's callback or a closer. */
export interface LifecycleFailure {
  /** Where it happened, from the outermost scope down ("core / folders / folder /x / watcher"). */
  name: string;
  error: unknown;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Closing ran every closer, and some failed. `failures` lists them all, nested scopes flattened,
 * so a person reading the message learns each part that did not close and why.
 */
export class LifecycleCloseError extends AggregateError {
  constructor(
    readonly scope: string,
    readonly failures: LifecycleFailure[],
  ) {
    super(
      failures.map((f) => f.error),
      `${scope}: ${failures.length} part(s) failed to close: ${failures
        .map((f) => `${f.name} (${messageOf(f.error)})`)
        .join('; ')}`,
    );
    this.name = 'LifecycleCloseError';
  }
}

export interface LifecycleScopeOptions {
  logger?: Logger;
  /**
   * Told about every failure as it happens (a tracked task, a chain step, a timer's callback, a
   * closer), after it was logged: the owner turns it into something a person sees.
   */
  onFailure?: (failure: LifecycleFailure) => void;
}

type Step = () => unknown;

/**
 * The one place a service registers what it runs in the background and what must happen when it
 * closes (the habit of chokidar's LifecycleScope): timers, promise chains, tracked tasks, child
 * scopes and closers. Nothing it runs can fail silently or break a chain: every failure is logged
 * and reported to `onFailure`. `close()` clears the timers, runs EVERY closer (last registered
 * first, each awaited) even when some throw, waits for the tracked tasks, and only then rejects,
 * with a LifecycleCloseError that lists every closer that failed.
 */
export class LifecycleScope {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<boolean>>();
  private readonly closers: Array<{ name: string; close: Step }> = [];
  private closing: Promise<void> | undefined;
  /** Set on a child scope: takes its closer off the parent once it closed by itself. */
  private detach: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly options: LifecycleScopeOptions = {},
  ) {}

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * A one-shot timer whose callback (sync or async) runs as a tracked task. In a closed scope
   * nothing is scheduled (undefined): a service winding down starts no new work.
   */
  setTimeout(name: string, ms: number, callback: Step): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(name, callback);
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  /** A repeating timer; each call of its callback is a tracked task. */
  setInterval(name: string, ms: number, callback: Step): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const timer = setInterval(() => void this.run(name, callback), ms);
    this.timers.add(timer);
    return timer;
  }

  /** Cancels a timer of this scope (either kind); undefined is ignored. */
  clearTimer(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Runs `step` now as a tracked task; resolves true when it succeeded, false when it failed. */
  run(name: string, step: Step): Promise<boolean> {
    let result: unknown;
    try {
      result = step();
    } catch (error) {
      this.fail(name, error);
      return Promise.resolve(false);
    }
    return this.track(name, Promise.resolve(result));
  }

  /**
   * Watches a promise: `close()` waits for it, and a rejection is logged and reported instead of
   * going unhandled. The returned promise never rejects: true when it fulfilled.
   */
  track(name: string, promise: Promise<unknown>): Promise<boolean> {
    const settled = promise.then(
      () => true,
      (error: unknown) => {
        this.fail(name, error);
        return false;
      },
    );
    this.tasks.add(settled);
    void settled.then(() => this.tasks.delete(settled));
    return settled;
  }

  /**
   * A promise chain: each step starts once the previous one settled, whatever its outcome. A
   * failed step is logged and reported, and the chain goes on with the next one: one failure
   * never stops later work. Steps offered after the scope closed are not run (false).
   */
  chain(name: string): (step: Step) => Promise<boolean> {
    let tail: Promise<unknown> = Promise.resolve();
    return (step) => {
      if (this.closed) return Promise.resolve(false);
      const next = this.track(
        name,
        tail.then(() => step()),
      );
      tail = next;
      return next;
    };
  }

  /**
   * A scope inside this one: closed with it (as one of its closers), or on its own earlier, which
   * takes it off this scope. Its failures go to the same logger and `onFailure`.
   */
  child(name: string): LifecycleScope {
    const child = new LifecycleScope(`${this.name} / ${name}`, this.options);
    child.detach = this.onClose(name, () => child.close());
    return child;
  }

  /**
   * Registers what must run when the scope closes; returns a function that takes it off again
   * (the part was closed by other means). In a closed scope the closer runs at once, tracked.
   */
  onClose(name: string, close: Step): () => void {
    if (this.closed) {
      void this.run(name, close);
      return () => undefined;
    }
    const entry = { name, close };
    this.closers.push(entry);
    return () => {
      const at = this.closers.indexOf(entry);
      if (at >= 0) this.closers.splice(at, 1);
    };
  }

  /** Closes once; later calls get the same promise. See the class comment for what it does. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.detach?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const failures: LifecycleFailure[] = [];
    // Last registered first: a part is closed before what it was built on (services before the
    // store they write to, everything before the data-folder lock).
    for (const { name, close } of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        if (error instanceof LifecycleCloseError) {
          // A child scope already logged each of its failures: keep them, named from here.
          for (const f of error.failures) failures.push({ name: `${name} / ${f.name}`, error: f.error });
          continue;
        }
        this.fail(name, error);
        failures.push({ name, error });
      }
    }
    // Work still running (a scan, a hand-over) is waited for; tracked tasks never reject.
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    if (failures.length > 0) throw new LifecycleCloseError(this.name, failures);
  }

  private fail(name: string, error: unknown): void {
    (this.options.logger ?? defaultLogger).error(`${this.name} / ${name} failed`, {
      error: messageOf(error),
    });
    try {
      this.options.onFailure?.({ name, error });
    } catch (reportError) {
      // A failing reporter must not turn one failure into an unhandled one.
      (this.options.logger ?? defaultLogger).error(`${this.name}: reporting a failure failed`, {
        error: messageOf(reportError),
      });
    }
  }
}
