import { basename } from 'node:path';
import { isAssetReady } from '../../shared/item-state.ts';
import type { QueueItemView } from '../../shared/queue-types.ts';
import type { WatchedFolder } from '../../shared/sync-types.ts';
import type { LifecycleScope } from '../lifecycle-scope.ts';
import { detectType } from '../media/detect-type.ts';
import type { Clock, Logger } from '../ports.ts';
import type { AddInput, UploadQueue } from '../queue/upload-queue.ts';
import { readHeadsInThread } from './scan-client.ts';
import type { StableFile } from './stability-checker.ts';
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

/** Files handed over in one queue write. */
const MAX_BATCH = 2_000;
/** Files prepared between two yields to the event loop. */
const SLICE = 250;
/** Waits before trying a failed hand-over again: doubles from the first to the last. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Finished files go to the queue in batches: one queue write for many files. A hand-over the
 * queue refuses (its save failed: a full disk, a store that cannot be written) loses nothing: the
 * batch goes back to the outbox, the folder's status says so, and it is tried again with backoff
 * until it succeeds, which clears the problem. One hand-over runs at a time, on one chain of the
 * runner's scope, so a failure never stops later ones.
 */
export class FolderHandOver {
  private readonly outbox = new Map<string, StableFile>();
  private readonly flushChain: (step: () => Promise<void>) => Promise<boolean>;
  private flushTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Set while hand-overs fail: shown among the folder's problems. */
  problem: string | undefined;

  constructor(
    private readonly host: HandOverHost,
    private readonly scope: LifecycleScope,
  ) {
    this.flushChain = scope.chain('hand-over to the queue');
  }

  /** A file held still: it goes to the queue with the next batch. */
  add(path: string, file: StableFile): void {
    this.outbox.set(path, file);
    // While a retry waits out its backoff, new files join it rather than hurrying it.
    this.flushTimer ??= this.scope.setTimeout('hand-over timer', 100, () => this.flushSoon());
  }

  /** Files waiting to be handed over (the runner stops: a restart's scan finds them again). */
  clear(): void {
    this.outbox.clear();
    this.scope.clearTimer(this.flushTimer);
    this.flushTimer = undefined;
    this.problem = undefined;
  }

  private flushSoon(): Promise<boolean> {
    this.flushTimer = undefined;
    return this.flushChain(() => this.flush());
  }

  private async flush(): Promise<void> {
    // At most a batch at a time: one queue write of 100,000 items held the event loop for
    // hundreds of milliseconds; the rest follows at once on the same chain.
    const batch: Array<[string, StableFile]> = [];
    for (const entry of this.outbox) {
      batch.push(entry);
      this.outbox.delete(entry[0]);
      if (batch.length === MAX_BATCH) break;
    }
    if (this.outbox.size > 0)
      this.flushTimer ??= this.scope.setTimeout('hand-over timer', 0, () => this.flushSoon());
    if (batch.length === 0 || !this.host.accepting()) return;
    const { inputs, entries } = await this.prepare(batch);
    let added: QueueItemView[] = [];
    if (inputs.length > 0) {
      try {
        ({ added } = await this.host.queue.add(inputs));
      } catch (error) {
        return this.failed(batch, error);
      }
    }
    // Taken, or nothing of the batch is left to hand over (gone, or not media after all).
    if (this.problem)
      this.host.logger.info('hand-over to the queue works again', { folder: this.host.folder.id });
    this.failures = 0;
    this.problem = undefined;
    for (const [i, [rel, entry]] of entries.entries()) {
      const itemId = added[i]!.id;
      this.host.ledger.set(this.host.folder.id, rel, { ...entry, itemId });
      // An item may have finished before it was linked here (a duplicate is found within
      // moments, while add() still saves): its news went unheard, so it is read now.
      const now = this.host.queue.get(itemId);
      if (now && now.state !== 'queued') this.host.onItem(now);
      if (i % 1_000 === 999) await new Promise((r) => setImmediate(r));
    }
    this.host.changed(inputs.length > 0);
  }

  /** The queue refused the batch: keep it, say so, and try again later. */
  private failed(batch: Array<[string, StableFile]>, error: unknown): void {
    this.failures++;
    // A file that changed again meanwhile is already back in the outbox, newer: that one wins.
    for (const [path, file] of batch) if (!this.outbox.has(path)) this.outbox.set(path, file);
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
    const reason = error instanceof Error ? error.message : String(error);
    this.host.logger.warn('hand-over to the queue failed', {
      folder: this.host.folder.id,
      files: this.outbox.size,
      attempt: this.failures,
      error: reason,
    });
    this.problem = `${this.outbox.size} finished file(s) could not be added to the upload queue (${reason}); trying again in ${Math.ceil(delay / 1000)} s.`;
    this.scope.clearTimer(this.flushTimer);
    this.flushTimer = this.scope.setTimeout('hand-over retry', delay, () => this.flushSoon());
    this.host.changed(false);
  }

  /** What of the batch goes to the queue, and the ledger entries that go with it. */
  private async prepare(batch: Array<[string, StableFile]>) {
    const { folder, ledger } = this.host;
    const inputs: AddInput[] = [];
    const entries: Array<[string, FileEntry]> = [];
    // The heads are read by the scan thread, the whole batch in one request: read here, a first
    // scan's 100,000 files cost 300,000 round trips to the thread pool (open, read, close).
    // Each file's relative path once (path.relative is not cheap at 100,000 files).
    const rels: string[] = [];
    const wanted: Array<[path: string, size: number] | undefined> = [];
    for (const [path, file] of batch) {
      // A first scan hands over tens of thousands at once: let other work run between slices
      // (small ones: on a loaded machine a slice of 500 files held the loop for 100 ms).
      if (rels.length % SLICE === SLICE - 1) await new Promise((r) => setImmediate(r));
      const rel = file.rel ?? this.host.relativePath(path);
      rels.push(rel);
      wanted.push(isKnown(ledger.get(folder.id, rel), file) ? undefined : [path, file.size]);
    }
    const heads = await readHeadsInThread(wanted);
    for (const [i, [path, file]] of batch.entries()) {
      if (i % SLICE === SLICE - 1) await new Promise((r) => setImmediate(r));
      const rel = rels[i]!;
      const entry = ledger.get(folder.id, rel);
      // The ledger already has exactly this (looked again: the heads were read meanwhile).
      if (!wanted[i] || isKnown(entry, file)) continue;
      const base = {
        size: file.size,
        mtimeMs: file.mtimeMs,
        ...(entry?.assetId && { assetId: entry.assetId }),
        ...(entry?.replaced && { replaced: entry.replaced }),
      };
      const head = heads[i]!;
      // Gone since it held still: its removal is its own event, not "not a media file".
      if (head instanceof Error && head.code === 'ENOENT') continue;
      // With its name: a document is one only when its extension matches its content.
      const type = head instanceof Error ? undefined : detectType(head, basename(path));
      if (!type || !folder.kinds.includes(type.kind)) {
        // Sidecar files, documents, kinds the person did not ask for: ignored, never failed.
        ledger.set(folder.id, rel, {
          ...base,
          state: 'ignored',
          note: type ? `${type.kind} files are not uploaded from this folder` : 'not a media file',
        });
        continue;
      }
      const metadata: Record<string, string> = folder.pathMetadata
        ? { source_folder: basename(folder.path), relative_path: rel }
        : {};
      const options = { ...folder.options, userMetadata: { ...folder.options.userMetadata, ...metadata } };
      inputs.push({ kind: 'file', path, options, origin: { folderId: folder.id, relativePath: rel } });
      entries.push([rel, { ...base, state: 'queued' }]);
    }
    return { inputs, entries };
  }
}

/** A handed-over file's ledger entry once its item finished (undefined while it has not). */
export function entryAfter(entry: FileEntry, view: QueueItemView): FileEntry | undefined {
  // Its content is in the library: ready, a duplicate, or uploaded and (being) indexed.
  if (isAssetReady(view.state)) {
    const assetId = view.assetId ?? view.duplicateOf?.assetId;
    const replaced =
      entry.assetId && entry.assetId !== assetId
        ? [...(entry.replaced ?? []), entry.assetId]
        : entry.replaced;
    return { ...entry, state: 'uploaded', assetId, ...(replaced && { replaced }) };
  }
  if (view.state === 'failed' || view.state === 'canceled')
    return { ...entry, state: 'failed', note: view.error ?? 'canceled' };
  return undefined;
}

/** The ledger already has exactly this file (same size and mtime, not missing). */
export function isKnown(entry: FileEntry | undefined, file: StableFile): boolean {
  return !!entry && entry.state !== 'missing' && entry.size === file.size && entry.mtimeMs === file.mtimeMs;
}
