import { basename } from 'node:path';
import type { QueueItemView } from '../../shared/queue-types.ts';
import type { WatchedFolder } from '../../shared/sync-types.ts';
import type { LifecycleScope } from '../lifecycle-scope.ts';
import { detectType, type DetectedType } from '../media/detect-type.ts';
import type { Clock, Logger } from '../ports.ts';
import type { AddInput, UploadQueue } from '../queue/upload-queue.ts';
import { readHeadsInThread, type HeadOrError } from './scan-client.ts';
import type { StableFile } from './stability-checker.ts';
import { hasOutcome, isKnown, newEntry } from './ledger-entries.ts';
import type { FileEntry, SyncLedger } from './sync-ledger.ts';

/** What the hand-over needs from the folder runner it works for. */
export interface HandOverHost {
  folder: WatchedFolder;
  queue: UploadQueue;
  ledger: SyncLedger;
  clock: Clock;
  logger: Logger;
  relativePath(path: string): string;
  /** Whether files should reach the queue now (not stopped, paused or unavailable). */
  accepting(): boolean;
  /** The queue reports on an item of this folder. */
  onItem(view: QueueItemView): void;
  /** Something the status shows changed (counts, activity, the problem below). */
  changed(handedOver: boolean): void;
}

/**
 * Files handed over in one queue write. Small batches and a short backlog (below) keep each
 * file's objects short-lived: at 2,000 and 5,000 they lived through enough young collections to
 * be moved to the old generation, and a first scan of 100,000 files peaked ~30 MiB higher
 * (`npm run bench -- sync`: 334 MiB at 2,000/5,000, 303 MiB at 500/1,500, the time the same).
 */
const MAX_BATCH = 500;
/**
 * Hand-overs under way at once: while one waits for the queue's write to reach the disk, the
 * next is prepared and added (one at a time, the main thread sat idle a quarter of a first scan
 * of 100,000 files). The queue creates the items of each in the order they were handed over.
 */
const MAX_IN_FLIGHT = 2;
/** Files a scan lets wait for the hand-over before it lists more: a few batches. */
const SCAN_BACKLOG = 1_500;
/** Files whose heads are asked for in one request, as they arrive. */
const READ_AHEAD = 500;
/** Files prepared between two yields to the event loop. */
const SLICE = 250;
/** Waits before trying a failed hand-over again: doubles from the first to the last. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Finished files go to the queue in batches: one queue write for many files. A hand-over the
 * queue refuses (its save failed: a full disk, a store that cannot be written) loses nothing: the
 * batch goes back to the outbox, the folder's status says so, and it is tried again with backoff
 * until it succeeds, which clears the problem. Up to MAX_IN_FLIGHT hand-overs run at a time, each
 * a task of the runner's scope, so a failure never stops later ones.
 */
export class FolderHandOver {
  private readonly outbox = new Map<string, Waiting>();
  /** Files in the outbox whose heads are not asked for yet. */
  private unread: Array<[string, Waiting]> = [];
  /** Hand-overs under way (at most MAX_IN_FLIGHT). */
  private running = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  /** What the timer waits for: files to gather (100 ms), nothing (0), or a retry's backoff. */
  private timerFor: 'gathering' | 'next' | 'retry' | undefined;
  private failures = 0;
  /**
   * Failed hand-overs so far. A hand-over that succeeds clears the problem only if none failed
   * since it started: one started before a failure proves nothing of the batch put back.
   */
  private failedSoFar = 0;
  /** Set while hand-overs fail: shown among the folder's problems. */
  problem: string | undefined;
  /** Files of the batches taken from the outbox and not yet handed over (or put back). */
  private inFlight = 0;
  /** How many hand-overs under way hold each path (a file changed again may be in two). */
  private readonly underWay = new Map<string, number>();
  /**
   * This folder's unfinished queue items by relative path that the ledger does not name: saved
   * by the queue, not by the ledger, before a crash. Found once per run, at its first hand-over.
   */
  private orphans: Map<string, string> | undefined;
  /** Who waits for the outbox to shrink below a size (a scan), or to empty (0: a later rescan). */
  private waiters: Array<{ below: number; resolve: () => void }> = [];

  constructor(
    private readonly host: HandOverHost,
    private readonly scope: LifecycleScope,
  ) {}

  /** A file held still: it goes to the queue with the next batch. */
  add(path: string, file: StableFile): void {
    const waiting = { file, rel: file.rel ?? this.host.relativePath(path) };
    this.outbox.set(path, waiting);
    this.unread.push([path, waiting]);
    if (this.unread.length >= READ_AHEAD) this.readAhead();
    // A batch's worth gathered: no need to wait out the rest of the 100 ms (a first scan's
    // files waited for it at every pause of the hand-over, and the scan for them).
    if (this.outbox.size >= MAX_BATCH && this.timerFor === 'gathering') this.flushMore();
    // While a retry waits out its backoff, new files join it rather than hurrying it.
    if (!this.flushTimer) this.setFlushTimer('gathering', 100);
  }

  /** Files waiting to be handed over (the runner stops: a restart's scan finds them again). */
  clear(): void {
    this.outbox.clear();
    this.unread = [];
    this.scope.clearTimer(this.flushTimer);
    this.flushTimer = this.timerFor = undefined;
    this.problem = undefined;
    this.wake(true);
  }

  /**
   * Resolves once fewer than `below` files wait to be handed over. A first scan finds files far
   * faster than the queue takes them: waiting here keeps at most a few batches in the outbox
   * (at 100,000 files the whole tree sat in it, a good part of the peak memory).
   */
  room(below = SCAN_BACKLOG): Promise<void> {
    if (this.outbox.size < below) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ below, resolve }));
  }

  /** Resolves once nothing is left to hand over (or the hand-over was cleared). */
  settled(): Promise<void> {
    if (this.outbox.size === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ below: 0, resolve }));
  }

  private wake(all = false): void {
    const empty = this.outbox.size === 0 && this.inFlight === 0;
    this.waiters = this.waiters.filter((waiter) => {
      const due = all || (waiter.below === 0 ? empty : this.outbox.size < waiter.below);
      if (due) waiter.resolve();
      return !due;
    });
  }

  /**
   * Asks the scan thread for the heads of the files not asked for yet, one request for many, and
   * keeps only what each head says (its type), not the bytes. Done as files arrive, so the heads
   * are read while earlier batches go to the queue: asked for at hand-over time, every batch
   * waited on its heads first (a tenth of a second and more for 2,000 files).
   */
  private readAhead(): void {
    const chunk = this.unread.filter(([path, waiting]) => this.outbox.get(path) === waiting);
    this.unread = [];
    this.readHeads(chunk);
  }

  private readHeads(chunk: Array<[string, Waiting]>): void {
    if (chunk.length === 0) return;
    // One promise for the chunk, not one per file (at 100,000 files, memory the GC had to chase).
    const verdicts = readHeadsInThread(
      chunk.map(([path, { file }]) => [path, file.size]),
      verdictOf,
    );
    // A scan thread that died fails the batch these files are in (tried again); not here.
    verdicts.catch(() => undefined);
    for (const [k, [, waiting]] of chunk.entries()) {
      waiting.verdicts = verdicts;
      waiting.k = k;
    }
  }

  private setFlushTimer(reason: 'gathering' | 'next' | 'retry', ms: number): void {
    this.timerFor = reason;
    this.flushTimer = this.scope.setTimeout(`hand-over ${reason}`, ms, () => this.flushSoon());
  }

  private flushSoon(): Promise<boolean> {
    this.flushTimer = this.timerFor = undefined;
    // Enough under way: the first to end starts the next.
    if (this.running >= MAX_IN_FLIGHT) return Promise.resolve(true);
    // At most a batch at a time: one queue write of 100,000 items held the event loop for
    // hundreds of milliseconds; the rest follows at once.
    this.readAhead();
    const batch: Array<[string, Waiting]> = [];
    for (const entry of this.outbox) {
      batch.push(entry);
      this.outbox.delete(entry[0]);
      if (batch.length === MAX_BATCH) break;
    }
    this.running++;
    this.inFlight += batch.length;
    for (const [path] of batch) this.underWay.set(path, (this.underWay.get(path) ?? 0) + 1);
    this.wake();
    this.flushMore();
    return this.scope.run('hand-over to the queue', async () => {
      try {
        await this.flushBatch(batch);
      } finally {
        this.running--;
        this.inFlight -= batch.length;
        for (const [path] of batch) {
          const holders = this.underWay.get(path)! - 1;
          if (holders > 0) this.underWay.set(path, holders);
          else this.underWay.delete(path);
        }
        this.wake();
        this.flushMore();
      }
    });
  }

  /**
   * The next hand-over at once, while files wait, fewer than MAX_IN_FLIGHT are under way and no
   * retry waits out its backoff (a wait for more files to gather is cut short: they are here).
   */
  private flushMore(): void {
    if (this.outbox.size === 0 || this.running >= MAX_IN_FLIGHT) return;
    if (this.timerFor === 'retry' || this.timerFor === 'next') return;
    this.scope.clearTimer(this.flushTimer);
    this.setFlushTimer('next', 0);
  }

  private async flushBatch(batch: Array<[string, Waiting]>): Promise<void> {
    if (batch.length === 0 || !this.host.accepting()) return;
    const failedBefore = this.failedSoFar;
    let entries: Array<[string, FileEntry]> = [];
    let added: QueueItemView[] = [];
    try {
      const prepared = await this.prepare(batch);
      entries = prepared.entries;
      if (prepared.inputs.length > 0) ({ added } = await this.host.queue.add(prepared.inputs));
    } catch (error) {
      return this.failed(batch, error);
    }
    // Taken, or nothing of the batch is left to hand over (gone, or not media after all).
    if (failedBefore === this.failedSoFar) {
      if (this.problem)
        this.host.logger.info('hand-over to the queue works again', { folder: this.host.folder.id });
      this.failures = 0;
      this.problem = undefined;
    }
    for (const [i, [rel, entry]] of entries.entries()) {
      const itemId = added[i]!.id;
      entry.itemId = itemId; // made for this hand-over alone (prepare): no copy needed
      this.host.ledger.set(this.host.folder.id, rel, entry);
      // An item may have finished before it was linked here (a duplicate is found within
      // moments, while add() still saves): its news went unheard, so it is read now. Its
      // state first: a view of each of 100,000 items was made here only to be dropped.
      const state = this.host.queue.stateOf(itemId);
      if (state && hasOutcome(state)) this.host.onItem(this.host.queue.get(itemId)!);
      if (i % 1_000 === 999) await new Promise((r) => setImmediate(r));
    }
    this.host.changed(entries.length > 0);
  }

  /** The queue refused the batch: keep it, say so, and try again later. */
  private failed(batch: Array<[string, Waiting]>, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    if (!this.host.accepting()) {
      // Paused or stopped meanwhile: nothing is tried again in this run (its timers are gone), so
      // nothing is announced; the next run's scan finds these files again.
      this.host.logger.info('hand-over to the queue failed as the folder stopped', {
        folder: this.host.folder.id,
        files: batch.length,
        error: reason,
      });
      return;
    }
    this.failures++;
    this.failedSoFar++;
    // A file that changed again meanwhile is back in the outbox, or in another hand-over under
    // way, newer: that one wins. Its head is read again: the thread that read it may be the failure.
    for (const [path, { file, rel }] of batch)
      if (!this.outbox.has(path) && this.underWay.get(path) === 1) {
        const waiting = { file, rel };
        this.outbox.set(path, waiting);
        this.unread.push([path, waiting]);
      }
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
    this.host.logger.warn('hand-over to the queue failed', {
      folder: this.host.folder.id,
      files: this.outbox.size,
      attempt: this.failures,
      error: reason,
    });
    this.problem = `${this.outbox.size} finished file(s) could not be added to the upload queue (${reason}); trying again in ${Math.ceil(delay / 1000)} s.`;
    this.scope.clearTimer(this.flushTimer);
    this.setFlushTimer('retry', delay);
    this.host.changed(false);
  }

  /** This folder's unfinished items the ledger does not name (see `orphans`), by relative path. */
  private findOrphans(): Map<string, string> {
    const { folder, ledger, queue } = this.host;
    const found = queue.unfinishedFrom(folder.id);
    for (const [rel, itemId] of found) if (ledger.get(folder.id, rel)?.itemId === itemId) found.delete(rel);
    if (found.size > 0)
      this.host.logger.info('watched folder: items queued before the ledger knew them are linked again', {
        folder: folder.id,
        items: found.size,
      });
    return found;
  }

  /** What of the batch goes to the queue, and the ledger entries that go with it. */
  private async prepare(batch: Array<[string, Waiting]>) {
    const { folder, ledger } = this.host;
    // One name and one options object for the batch, not one of each per item: the path
    // metadata is joined to the options when the item is sent (uploadOptions, item-record.ts).
    const sourceFolder = folder.pathMetadata ? basename(folder.path) : undefined;
    const options = { ...folder.options };
    const inputs: AddInput[] = [];
    const entries: Array<[string, FileEntry]> = [];
    this.orphans ??= this.findOrphans();
    this.readHeads(batch.filter(([, waiting]) => !waiting.verdicts)); // none, but never guessed
    const chunks = await Promise.all(batch.map(([, waiting]) => waiting.verdicts));
    const verdicts = batch.map(([, waiting], i) => chunks[i]![waiting.k!]);
    for (const [i, [path, { file, rel }]] of batch.entries()) {
      // A first scan hands over tens of thousands at once: let other work run between slices
      // (small ones: on a loaded machine a slice of 500 files held the loop for 100 ms).
      if (i % SLICE === SLICE - 1) await new Promise((r) => setImmediate(r));
      const entry = ledger.get(folder.id, rel);
      // The ledger already has exactly this (a rescan met it again while it waited here).
      if (isKnown(entry, file)) continue;
      const type = verdicts[i];
      // Gone since it held still: its removal is its own event, not "not a media file".
      if (type === 'gone') continue;
      const orphan = this.orphans.get(rel);
      if (orphan !== undefined && this.host.queue.stateOf(orphan)) {
        // Queued before a crash that came before the ledger knew: linked, not queued again.
        this.orphans.delete(rel);
        ledger.set(folder.id, rel, { ...newEntry(file, 'queued', entry), itemId: orphan });
        const state = this.host.queue.stateOf(orphan)!;
        if (hasOutcome(state)) this.host.onItem(this.host.queue.get(orphan)!);
        continue;
      }
      if (!type || !folder.kinds.includes(type.kind)) {
        // Sidecar files, documents, kinds the person did not ask for: ignored, never failed.
        const note = type ? `${type.kind} files are not uploaded from this folder` : 'not a media file';
        ledger.set(folder.id, rel, newEntry(file, 'ignored', entry, note));
        continue;
      }
      inputs.push({
        kind: 'file',
        path,
        options,
        origin: { folderId: folder.id, relativePath: rel },
        sourceFolder,
      });
      entries.push([rel, newEntry(file, 'queued', entry)]);
    }
    return { inputs, entries };
  }
}

/** A file waiting in the outbox: its relative path, and what its head says once it is read. */
interface Waiting {
  file: StableFile;
  rel: string;
  /** What the heads of its chunk say, and which of them is its own. */
  verdicts?: Promise<Verdict[]>;
  k?: number;
}

/** What a file is by its head; 'gone' when it is no longer there; undefined: none we know. */
type Verdict = DetectedType | 'gone' | undefined;

function verdictOf(head: HeadOrError, path: string): Verdict {
  // Gone since it held still: its removal is its own event, not "not a media file".
  if (head instanceof Error) return head.code === 'ENOENT' ? 'gone' : undefined;
  // With its name: a document is one only when its extension matches its content.
  return head && detectType(head, basename(path));
}
