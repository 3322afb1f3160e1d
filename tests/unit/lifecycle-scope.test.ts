/** LifecycleScope: every closer runs, failures are reported and never break a chain. */
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  LifecycleCloseError,
  LifecycleScope,
  type LifecycleFailure,
} from '../../electron/core/lifecycle-scope.ts';
import type { Logger } from '../../electron/core/ports.ts';

function recorder() {
  const failures: LifecycleFailure[] = [];
  const logged: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message, fields) => logged.push(`${message}: ${String(fields?.error)}`),
  };
  return { failures, logged, options: { logger, onFailure: (f: LifecycleFailure) => failures.push(f) } };
}

describe('LifecycleScope', () => {
  it('runs every closer, last registered first, even when some throw or reject, then reports them all', async () => {
    const { failures, logged, options } = recorder();
    const scope = new LifecycleScope('core', options);
    const ran: string[] = [];
    scope.onClose('lock', () => void ran.push('lock'));
    scope.onClose('store', async () => {
      ran.push('store');
      throw new Error('disk full');
    });
    scope.onClose('queue', () => void ran.push('queue'));
    scope.onClose('watcher', () => {
      ran.push('watcher');
      throw new Error('watcher would not close');
    });

    const error = await scope.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ran).toEqual(['watcher', 'queue', 'store', 'lock']);
    expect(error).toBeInstanceOf(LifecycleCloseError);
    expect((error as LifecycleCloseError).failures.map((f) => f.name)).toEqual(['watcher', 'store']);
    expect((error as Error).message).toMatch(/watcher \(watcher would not close\).*store \(disk full\)/);
    expect(failures.map((f) => f.name)).toEqual(['watcher', 'store']);
    expect(logged).toHaveLength(2);
    // Closing again does nothing more and says the same.
    await expect(scope.close()).rejects.toBe(error);
    expect(ran).toHaveLength(4);
  });

  it('a child scope closes with its parent, its failures named from the parent; closed early, it leaves the parent', async () => {
    const { options } = recorder();
    const parent = new LifecycleScope('sync', options);
    const ran: string[] = [];
    parent.onClose('ledger', () => void ran.push('ledger'));
    const folder = parent.child('folder /a');
    folder.onClose('watcher', () => {
      throw new Error('EBUSY');
    });
    const early = parent.child('folder /b');
    early.onClose('watcher', () => void ran.push('b watcher'));
    await early.close();
    expect(ran).toEqual(['b watcher']);

    const error = (await parent.close().catch((e: unknown) => e)) as LifecycleCloseError;
    expect(error.failures).toEqual([{ name: 'folder /a / watcher', error: new Error('EBUSY') }]);
    expect(ran).toEqual(['b watcher', 'ledger']); // b's closer ran once, and the ledger still closed
  });

  it('a failed chain step is reported and the next step still runs', async () => {
    const { failures, options } = recorder();
    const scope = new LifecycleScope('folder', options);
    const chain = scope.chain('hand-over');
    const ran: number[] = [];
    const results = await Promise.all([
      chain(async () => void ran.push(1)),
      chain(async () => {
        ran.push(2);
        throw new Error('queue refused');
      }),
      chain(() => void ran.push(3)),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(ran).toEqual([1, 2, 3]);
    expect(failures).toEqual([{ name: 'hand-over', error: new Error('queue refused') }]);
    await scope.close(); // an earlier failure does not make closing fail
  });

  it('close waits for tracked work and chained steps, cancels timers, and starts nothing afterwards', async () => {
    // Fake timers: "the timers never fire" is then proven by running every timer there is, not by
    // sleeping past them and hoping.
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    const scope = new LifecycleScope('runner');
    let fired = false;
    scope.setTimeout('reconcile', 10, () => (fired = true));
    scope.setInterval('poll', 10, () => (fired = true));
    let release!: () => void;
    let finished = false;
    void scope.track(
      'scan',
      new Promise<void>((r) => (release = r)).then(() => (finished = true)),
    );
    const closing = scope.close();
    release();
    await closing;
    expect(finished).toBe(true);
    expect(scope.setTimeout('late', 0, () => (fired = true))).toBeUndefined();
    expect(await scope.chain('late')(() => (fired = true))).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.runAllTimers();
    expect(fired).toBe(false);
  });

  it('a timer callback that throws is reported, not unhandled; a closer added after close runs at once', async () => {
    const { failures, options } = recorder();
    const scope = new LifecycleScope('queue', options);
    await new Promise<void>((resolve) => {
      scope.setTimeout('wake', 1, () => {
        setImmediate(resolve);
        throw new Error('boom');
      });
    });
    expect(failures).toEqual([{ name: 'wake', error: new Error('boom') }]);
    await scope.close();
    let late = false;
    scope.onClose('late', () => (late = true));
    expect(late).toBe(true);
  });
});
