import { EventEmitter } from 'node:events';
import { defaultLogger, type Logger } from '../ports.ts';
import type { DocumentSchema } from './document-schema.ts';
import { ChangeMarks } from './change-marks.ts';
import type { DocumentChange, DocumentStore } from './document-store.ts';

/**
 * Changes appended to the journal in one write. More at once are appended this many at a time,
 * and a journal grown past what the store allows between two of them ends in a whole save: a
 * first scan marks a folder's every file, and saving 100,000 ledger entries whole each time
 * ~28,000 changes came together (the whole save itself let them pile up) cost seconds. One write
 * stays within the margin a journal may run past its limit (conf-document-store.ts).
 */
const MAX_JOURNALED_CHANGES = 5_000;
/** After a failed write, the next try waits this long, doubling up to the longest (disk full, EACCES). */
const RETRY_FIRST_MS = 1_000;
const RETRY_LONGEST_MS = 60_000;

/** A document whose writes started failing (`failed`, once per streak) or work again (`recovered`). */
export interface WriteProblem {
  /** The store's name (queue, ledger, settings…). */
  name: string;
  /** Its file, so that a listener can tell its own data folder's documents from another's. */
  path?: string;
  /** What went wrong, in words (explainWriteError). */
  message: string;
}

/**
 * Where failing writes are heard by whoever tells the person (the core's notices): each service
 * opens its own documents, so this is one emitter for the process rather than one per owner.
 */
export const writeProblems = new EventEmitter<{ failed: [WriteProblem]; recovered: [WriteProblem] }>();
// One listener pair per open core: tests open many at once, which is no leak.
writeProblems.setMaxListeners(0);

/**
 * An in-memory document saved through a DocumentStore with coalesced writes: many changes made
 * close together cost one write. `commit()` resolves once every change made before it is on disk,
 * so a caller can save a state transition before starting the side effect it announces.
 *
 * Two ways to say what changed:
 * - `changed()` / `commit()`: anything may have changed; the whole document is written.
 * - `changedAt(...path)` / `commitChanges()`: only the values at these paths changed; where the
 *   store keeps a journal, only they are written (a queue item, a ledger entry), else the whole
 *   document. A value changed without being marked reaches the disk only with the next whole
 *   save, so owners that mark must mark every change (the queue's tests check it).
 */
export class PersistedDocument<T extends Record<string, unknown>> {
  readonly data: T;
  /**
   * What loading found wrong and what was done about it, in words for a person (undefined when
   * the document was sound). The owner passes it on as a notice: nothing is lost in silence.
   */
  readonly recovered: string | undefined;
  private wholeDirty = false;
  /** A failed write: the next one is a whole save, whatever was marked. */
  private wholeNeeded = false;
  private readonly marked = new ChangeMarks();
  private writing: Promise<void> | undefined;
  private scheduled: NodeJS.Timeout | undefined;
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  /** Callers of commitMarkedFirst(): resolved once the changes marked now are saved. */
  private firstWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  /** Failed writes in a row: the retry waits longer each time, and recovery is logged once. */
  private failures = 0;
  /** After close() a failed write is not retried by a timer: close() rejects, its caller reports it. */
  private closed = false;
  private saidLate = false;
  /** Whole saves and journal appends so far (for tests and benches). */
  writes = 0;
  appends = 0;

  constructor(
    private readonly store: DocumentStore,
    /** The document's schema (document-schema.ts); a bare `initial` only in tests. */
    schema: DocumentSchema<T> | (() => T),
    /** Changes without a commit are written after this delay at the latest. */
    private readonly idleFlushMs = 500,
    /** Where a failed write is said (the write is retried, and close() rejects if it still fails). */
    private readonly logger: Logger = defaultLogger,
  ) {
    const checked = typeof schema === 'function' ? unchecked(schema) : schema;
    const loaded = store.load(checked.journal);
    const problems = [...(loaded.problems ?? [])];
    // `{}` or someone else's JSON where our document was: damage, not an empty document.
    const known = [...Object.keys(checked.journal), 'version'];
    if (loaded.existed && problems.length === 0 && !known.some((key) => Object.hasOwn(loaded.data, key)))
      problems.push(`${store.name}.json held none of the fields of ${checked.label}`);
    this.data = checked.check({ ...checked.initial(), ...loaded.data }, problems);
    if (problems.length === 0) return;
    const copy = store.keepDamagedCopy?.();
    const where = copy
      ? ` The damaged file was kept as ${copy}.`
      : store.keepDamagedCopy
        ? ' No copy of the damaged file could be kept.'
        : '';
    this.recovered =
      `${capitalize(checked.label)} was damaged: ${problems.join('; ')}.` +
      (checked.kept ? ` Kept: ${checked.kept(this.data)}.` : '') +
      where;
    // The repaired document replaces the damaged one at the next write, whole.
    this.changed();
  }

  /** Marks the document changed; it will be written soon, together with other changes. */
  changed(): void {
    this.wholeDirty = true;
    this.schedule();
  }

  /** Marks the value at `path` (keys from the document's top) changed, or removed if it is gone. */
  changedAt(...path: string[]): void {
    if (!this.store.append || path.length === 0) return this.changed();
    this.marked.mark(path);
    this.schedule();
  }

  /** Writes the whole document (once for all callers waiting now) and resolves when it is saved. */
  commit(): Promise<void> {
    this.wholeDirty = true;
    return this.flush();
  }

  /** Writes what was marked changed and resolves when it is saved. */
  commitChanges(): Promise<void> {
    return this.flush();
  }

  /**
   * As commitChanges(), but when a whole save is due the marked changes are appended to the
   * journal first, and the whole save follows: a small change that must be on disk at once (a
   * queue-wide pause over 100,000 items) does not wait half a second for the whole document. A
   * whole save already under way is not cut: they are written after it, as commitChanges() does.
   */
  commitMarkedFirst(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstWaiters.push({ resolve, reject });
      this.writing ??= this.writeLoop();
    });
  }

  /**
   * Writes what is not saved yet, a change whose write failed included, and rejects if that
   * still fails: the owner's closer reports it (nothing unsaved is dropped in silence).
   */
  async close(): Promise<void> {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
    this.closed = true;
    // Deleted or replaced under the running app with nothing changed since: written again, so
    // the next start finds the document as it was, not a journal without it.
    if (this.store.changedOnDisk?.()) this.wholeDirty = true;
    if (this.wholeDirty || this.wholeNeeded || this.marked.size > 0 || this.writing) await this.flush();
  }

  private schedule(delayMs = this.idleFlushMs): void {
    if (this.closed && !this.writing) {
      // Its owner closed it: a timer now would write after the app let go of the data folder
      // (maybe removed, maybe a new instance's). A late change is said, once, not written.
      if (!this.saidLate)
        this.logger.warn(`${this.store.name}: changed after it was closed; that change is not saved`);
      this.saidLate = true;
      return;
    }
    this.scheduled ??= setTimeout(() => {
      this.scheduled = undefined;
      // The failure was logged by the write loop, and a retry scheduled.
      void this.flush().catch(() => undefined);
    }, delayMs);
  }

  private flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.writing ??= this.writeLoop();
    });
  }

  private async writeLoop(): Promise<void> {
    // Let every change of this tick join the same write.
    await new Promise((r) => setImmediate(r));
    do {
      // Changes asked for first go to the journal alone when a whole save is due; that save
      // (and whoever waits for it) comes in the next round.
      const first =
        this.firstWaiters.length > 0 &&
        this.wholeDirty &&
        !this.wholeNeeded &&
        !!this.store.append &&
        this.marked.size > 0 &&
        this.marked.size <= MAX_JOURNALED_CHANGES &&
        !(this.store.wantsSave?.() ?? false);
      const waiters = first ? this.firstWaiters : [...this.waiters, ...this.firstWaiters];
      this.firstWaiters = [];
      if (!first) this.waiters = [];
      const whole =
        !first &&
        (this.wholeDirty || this.wholeNeeded || !this.store.append || (this.store.wantsSave?.() ?? false));
      // Values are read as each slice is written; one changed meanwhile is marked again and
      // written again, so the last line for it wins.
      const marks = this.marked.take();
      const anything = this.wholeDirty || this.wholeNeeded || marks.count > 0;
      if (!first) this.wholeDirty = false;
      try {
        if (anything && whole) {
          await this.store.save(this.data);
          this.writes++;
          this.wholeNeeded = false;
        } else if (anything && !(await this.appendInParts(marks.paths))) {
          // The journal reached its limit part way: the whole document holds the rest too.
          await this.store.save(this.data);
          this.writes++;
        }
        if (anything && this.failures > 0) {
          this.logger.info(`${this.store.name}: saved again after ${this.failures} failed write(s)`);
          writeProblems.emit('recovered', this.problem(`The ${this.store.name} was saved again.`));
        }
        if (anything) this.failures = 0;
        for (const w of waiters) w.resolve();
      } catch (error) {
        // Nothing is dropped: the whole document is written at the next try, which comes by
        // itself (a change made before a disk filled up must not wait for another change).
        this.wholeNeeded = true;
        this.failures++;
        const retryMs = Math.min(RETRY_FIRST_MS * 2 ** (this.failures - 1), RETRY_LONGEST_MS);
        this.logger.warn(`${this.store.name}: changes could not be saved; trying again`, {
          error: (error as Error).message,
          failures: this.failures,
          retryInMs: this.closed ? 0 : retryMs,
        });
        if (!this.closed) this.schedule(retryMs);
        const said = explainWriteError(this.store.name, error);
        if (this.failures === 1) writeProblems.emit('failed', this.problem(said.message));
        for (const w of waiters) w.reject(said);
      }
    } while (
      this.wholeDirty ||
      this.marked.size > 0 ||
      this.waiters.length > 0 ||
      this.firstWaiters.length > 0
    );
    this.writing = undefined;
  }

  /**
   * Appends the changes at `paths`, MAX_JOURNALED_CHANGES at a time; false, with the rest not
   * written, once the store wants a whole save instead (its journal grew past its limit).
   */
  private async appendInParts(paths: Iterable<string[]>): Promise<boolean> {
    let part: DocumentChange[] = [];
    let first = true;
    const flush = async () => {
      if (!first && (this.store.wantsSave?.() ?? false)) return false;
      first = false;
      await this.store.append!(part);
      this.appends++;
      part = [];
      return true;
    };
    for (const path of paths) {
      part.push(this.changeAt(path));
      if (part.length === MAX_JOURNALED_CHANGES && !(await flush())) return false;
    }
    return part.length === 0 || (await flush());
  }

  private problem(message: string): WriteProblem {
    return { name: this.store.name, message, ...(this.store.path && { path: this.store.path }) };
  }

  private changeAt(path: string[]): DocumentChange {
    let node: unknown = this.data;
    for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
    return node === undefined ? { path, removed: true } : { path, value: node };
  }
}

/**
 * A failed write in words a person can act on (the command that caused it shows this message);
 * the system's code stays in it, and the original error is its cause.
 */
export function explainWriteError(name: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk of the data folder is full. Free some space, then try again'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'the data folder cannot be written. Check its permissions (or that its disk is not read-only)'
        : `${(error as Error | undefined)?.message ?? String(error)}`;
  const explained = new Error(`The ${name} could not be saved (${code ?? 'write failed'}): ${why}.`, {
    cause: error,
  });
  return Object.assign(explained, code ? { code } : {});
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A document without a schema (tests): its initial keys, at any depth, taken as they are. */
function unchecked<T extends Record<string, unknown>>(initial: () => T): DocumentSchema<T> {
  const journal = Object.fromEntries(Object.keys(initial()).map((key) => [key, 0]));
  return { label: 'the document', initial, journal, check: (raw) => raw as T };
}
