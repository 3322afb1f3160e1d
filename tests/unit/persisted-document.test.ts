/**
 * A write that fails (disk full, EACCES) loses nothing: the change is retried by itself, written
 * at close, and close() rejects when it still cannot be written. Failures are injected through
 * the store port, over a real ConfDocumentStore in a temp folder.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../electron/core/ports.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import type { DocumentChange } from '../../electron/core/store/document-store.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

type Doc = { items: Record<string, { state: string }>; paused: boolean } & Record<string, unknown>;

/** A real store whose next `failing` writes (saves and appends alike) fail with ENOSPC. */
class FlakyStore extends ConfDocumentStore {
  failing = 0;
  attempts = 0;
  private maybeFail(): void {
    this.attempts++;
    if (this.failing <= 0) return;
    this.failing--;
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
  override async save(data: Record<string, unknown>): Promise<void> {
    this.maybeFail();
    return super.save(data);
  }
  override async append(changes: DocumentChange[]): Promise<void> {
    this.maybeFail();
    return super.append(changes);
  }
}

const recorder = () => {
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (m) => lines.push(`info ${m}`),
    warn: (m, f) => lines.push(`warn ${m} ${JSON.stringify(f)}`),
    error: (m) => lines.push(`error ${m}`),
  };
  return { lines, logger };
};

let dir: string;
useTempDirPerTest((path) => (dir = path));

const initial = (): Doc => ({ items: {}, paused: false });
const onDisk = () => new ConfDocumentStore(dir, 'queue').load().data as Partial<Doc>;

describe('PersistedDocument after a failed write', () => {
  it('writes the change at close when nothing else changed after the failure', async () => {
    const store = new FlakyStore(dir, 'queue');
    const { logger, lines } = recorder();
    // A long idle delay: only close() may write it, not a timer.
    const doc = new PersistedDocument<Doc>(store, initial, 60_000, logger);
    doc.data.items.a = { state: 'queued' };
    store.failing = 1;
    await expect(doc.commit()).rejects.toThrow(/ENOSPC/);
    expect(lines.join('\n')).toMatch(/warn queue: changes could not be saved.*ENOSPC/);
    await doc.close();
    expect(onDisk().items).toEqual({ a: { state: 'queued' } });
  });

  it('writes a journaled change whose append failed, whole, at close', async () => {
    const store = new FlakyStore(dir, 'queue');
    const doc = new PersistedDocument<Doc>(store, initial, 60_000, recorder().logger);
    await doc.commit(); // starts the journal: the next change is an append
    doc.data.items.b = { state: 'uploading' };
    doc.changedAt('items', 'b');
    store.failing = 1;
    await expect(doc.commitChanges()).rejects.toThrow(/ENOSPC/);
    await doc.close();
    expect(onDisk().items).toEqual({ b: { state: 'uploading' } });
  });

  it('retries a failed idle write by itself, without another change or a close', async () => {
    const store = new FlakyStore(dir, 'queue');
    const { logger, lines } = recorder();
    const doc = new PersistedDocument<Doc>(store, initial, 10, logger);
    store.failing = 1;
    doc.data.items.c = { state: 'queued' };
    doc.changed();
    // The first try fails (logged, not swallowed); the retry comes on its own.
    // Waited for as a whole: the file lands a moment before the write reports it saved.
    await vi.waitFor(
      () => {
        expect(onDisk().items).toEqual({ c: { state: 'queued' } });
        expect(lines.join('\n')).toMatch(/info queue: saved again after 1 failed write/);
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(store.attempts).toBeGreaterThanOrEqual(2);
    expect(lines.join('\n')).toMatch(/warn queue: changes could not be saved/);
    await doc.close();
  });

  it('rejects close() when the change still cannot be written, and says so', async () => {
    const store = new FlakyStore(dir, 'queue');
    const { logger, lines } = recorder();
    const doc = new PersistedDocument<Doc>(store, initial, 60_000, logger);
    store.failing = 100;
    doc.data.items.d = { state: 'queued' };
    doc.changed();
    await expect(doc.close()).rejects.toThrow(/ENOSPC/);
    expect(lines.filter((l) => l.startsWith('warn')).length).toBeGreaterThan(0);
    expect(onDisk().items).toBeUndefined();
  });
});

describe('PersistedDocument after close', () => {
  it('schedules no write for a later change, and says the change is not saved', async () => {
    const store = new FlakyStore(dir, 'queue');
    const { logger, lines } = recorder();
    const doc = new PersistedDocument<Doc>(store, initial, 5, logger);
    doc.data.items.a = { state: 'queued' };
    doc.changed();
    await doc.close();
    const attempts = store.attempts;
    // A change after close (a late answer of a closed service): no timer may write it into a
    // folder the app let go of. Fake timers make "no write" a fact: every timer is run.
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      doc.data.items.b = { state: 'ready' };
      doc.changed();
      doc.changedAt('items', 'b');
      expect(vi.getTimerCount()).toBe(0);
      await vi.runAllTimersAsync();
    } finally {
      vi.useRealTimers();
    }
    expect(store.attempts).toBe(attempts);
    expect(onDisk().items).toEqual({ a: { state: 'queued' } });
    expect(lines.filter((l) => /changed after it was closed/.test(l))).toHaveLength(1);
  });
});
