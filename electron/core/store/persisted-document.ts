import type { DocumentStore } from './document-store.ts';

/**
 * An in-memory document saved through a DocumentStore with coalesced writes: many changes made
 * close together cost one write. `commit()` resolves once every change made before it is on disk,
 * so a caller can save a state transition before starting the side effect it announces.
 */
export class PersistedDocument<T extends Record<string, unknown>> {
  readonly data: T;
  readonly recovered: string | undefined;
  private dirty = false;
  private writing: Promise<void> | undefined;
  private scheduled: NodeJS.Timeout | undefined;
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  writes = 0;

  constructor(
    private readonly store: DocumentStore,
    initial: () => T,
    /** Changes without a commit are written after this delay at the latest. */
    private readonly idleFlushMs = 500,
  ) {
    const { data, recovered } = store.load();
    this.data = { ...initial(), ...data } as T;
    this.recovered = recovered;
  }

  /** Marks the document changed; it will be written soon, together with other changes. */
  changed(): void {
    this.dirty = true;
    this.scheduled ??= setTimeout(() => {
      this.scheduled = undefined;
      void this.commit().catch(() => undefined);
    }, this.idleFlushMs);
  }

  /** Writes pending changes (once for all callers waiting now) and resolves when they are saved. */
  commit(): Promise<void> {
    this.dirty = true;
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.writing) this.writing = this.writeLoop();
    });
  }

  private async writeLoop(): Promise<void> {
    // Let every change of this tick join the same write.
    await new Promise((r) => setImmediate(r));
    while (this.dirty) {
      this.dirty = false;
      const waiters = this.waiters;
      this.waiters = [];
      try {
        await this.store.save(this.data);
        this.writes++;
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
    this.writing = undefined;
  }

  async close(): Promise<void> {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
    if (this.dirty || this.writing) await this.commit();
  }
}
