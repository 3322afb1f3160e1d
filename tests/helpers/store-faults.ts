/**
 * A real document store whose writes go through a test's gate first: the gate lets a write
 * (save or append) through by returning, fails it by throwing (diskFull: as a full disk would),
 * or holds it by waiting. Everything else is the store's own.
 */
import type { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import type { DocumentStore } from '../../electron/core/store/document-store.ts';

export type WriteGate = (kind: 'save' | 'append') => void | Promise<void>;

export function gatedWrites<S extends DocumentStore>(inner: S, gate: WriteGate): S {
  return new Proxy(inner, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== 'save' && prop !== 'append') return value.bind(target);
      return async (...args: unknown[]) => {
        await gate(prop);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The error a write gets on a full disk. */
export function diskFull(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/**
 * The queue's real store, whose writes fail as on a full disk while `failuresLeft` > 0: the
 * queue's add() then really rejects, after creating its items in memory.
 */
export function failingWrites(
  inner: DocumentStore,
  writes: { failuresLeft: number; failed: number },
): DocumentStore {
  return gatedWrites(inner, () => {
    if (writes.failuresLeft <= 0) return;
    writes.failuresLeft--;
    writes.failed++;
    throw diskFull();
  });
}

/** The queue's store: while `gate.armed`, each write waits for `gate.release` and then fails (ENOSPC). */
export function gatedStore(
  inner: ConfDocumentStore,
  gate: { armed: boolean; blocked: number; release?: () => void },
): ConfDocumentStore {
  return gatedWrites(inner, async () => {
    if (!gate.armed) return;
    gate.blocked++;
    await new Promise<void>((resolve) => (gate.release = resolve));
    throw diskFull();
  });
}
