import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { UploadOptions } from '../../shared/domain.ts';
import {
  canResume,
  isPending,
  isRetryableState,
  PENDING_STATES,
  retryAllTakes,
} from '../../shared/item-state.ts';
import {
  FINISHED_STATES,
  type HistoryEntry,
  type ItemState,
  type QueueItemView,
  type QueueTotals,
} from '../../shared/queue-types.ts';
import { UPLOADS_PAGE_DEFAULT, type UploadFilter, type UploadsPage } from '../../shared/queue-page.ts';
import type { UndiciTwelveLabsClient } from '../api/client.ts';
import { isGone } from '../api/platform-answers.ts';
import { silentLogger, systemClock, type Clock, type Logger } from '../ports.ts';
import type { DocumentStore } from '../store/document-store.ts';
import { PersistedDocument } from '../store/persisted-document.ts';
import { BothLimiters, TokenBucketLimiter } from './bandwidth.ts';
import { decide } from './error-policy.ts';
import { walkFiles } from './folder-walk.ts';
import { toView, type ItemRecord } from './item-record.ts';
import { queueSchema, type QueueData } from './item-schema.ts';
import { transferItem, type TransferContext } from './item-transfer.ts';
import { indexItem, wantsIndexing, type IndexingContext } from './indexing-stage.ts';
import { checkForIndex, type ModelCheckContext } from './model-check.ts';
import { ContainerProbe } from '../media/container-probe.ts';
import { filenameFromUrl, InputRejected, validateMediaUrl } from './preflight.ts';
import { ProgressTracker } from './progress-tracker.ts';
import { QueueIndex } from './queue-index.ts';
import { QueueTally } from './queue-tally.ts';
import type { UploadLedger } from './upload-ledger.ts';
import { WakeTimers } from './wake-timers.ts';

export type AddInput =
  | {
      kind: 'file';
      path: string;
      options?: UploadOptions;
      origin?: { folderId: string; relativePath: string };
    }
  | { kind: 'folder'; path: string; options?: UploadOptions }
  | { kind: 'url'; url: string; options?: UploadOptions };

export interface AddResult {
  added: QueueItemView[];
  rejected: Array<{ input: string; message: string }>;
}

export interface UploadQueueOptions {
  client: UndiciTwelveLabsClient;
  store: DocumentStore;
  ledger: UploadLedger;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  /** Files sent at once. */
  concurrency?: number;
  /** Chunks sent at once per multipart file. */
  chunkConcurrency?: number;
  /** 0 = unlimited. */
  bandwidthBytesPerSecond?: number;
  /** Watched-folder uploads at most this, within the limit above; 0 = no limit of their own. */
  folderBandwidthBytesPerSecond?: number;
  pollInitialMs?: number;
  pollMaxMs?: number;
  /** While items wait for the network, how often to check whether it is back. */
  probeIntervalMs?: number;
  /** How often to look for files that went missing. */
  sourceCheckIntervalMs?: number;
  historyLimit?: number;
  /** Video and audio from this size go through the multipart API (tests: a few KB); default: above the direct limit. */
  multipartFromBytes?: number;
  /** How long a lost create's asset is looked for before it is sent again (reconcile.ts; tests: less). */
  arrivalPatienceMs?: number;
  /** The Settings' upload options (thumbnails …), under each item's own: for every way in. */
  defaultOptions?: () => UploadOptions;
  /** An index's name, when known (indexing messages and views). */
  indexName?: (indexId: string) => string | undefined;
  /** After a lost indexing answer: look for what it made again this much later (tests: short). */
  indexRelookDelaysMs?: number[];
}

interface QueueEvents {
  'item-added': [QueueItemView];
  'item-changed': [QueueItemView];
  'item-removed': [string];
  totals: [QueueTotals];
  notice: [string];
}

type AbortReason = 'pause' | 'cancel' | 'stop' | 'auth' | 'remove' | 'restart' | 'sleep';

/**
 * The persistent upload queue: every file, folder and URL the user adds becomes an item here,
 * owned by the main process. It survives quits and crashes (state transitions are saved before
 * the side effects they start), never uploads the same content twice (sha256 ledger, crash
 * reconciliation), and never fails an item for a transient problem.
 */
export class UploadQueue extends EventEmitter<QueueEvents> {
  private readonly doc: PersistedDocument<QueueData>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly limiter: TokenBucketLimiter;
  /** Watched-folder uploads pass this one too (0 = no limit of their own). */
  private readonly folderLimiter: TokenBucketLimiter;
  private readonly folderLimiters: BothLimiters;
  private readonly progress: ProgressTracker;
  private readonly active = new Map<string, AbortController>();
  private readonly followers = new Map<string, AbortController>();
  private concurrency: number;
  private chunkConcurrency: number;
  private running = false;
  /** The computer sleeps (pauseForSleep): in memory only, never saved. */
  private asleep = false;
  private blockedByAuth = false;
  private readonly timers: WakeTimers;
  private readonly transferContext: TransferContext;
  private idleWaiters: Array<() => void> = [];
  /** Startable items, totals and content hashes, kept as items change (queue-index.ts). */
  private readonly index = new QueueIndex();
  /** The model preflight's container reader and the indexes' models (model-check.ts). */
  private readonly modelCheck: ModelCheckContext;

  constructor(private readonly options: UploadQueueOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.concurrency = options.concurrency ?? 3;
    this.chunkConcurrency = options.chunkConcurrency ?? 4;
    this.limiter = new TokenBucketLimiter(options.bandwidthBytesPerSecond ?? 0, this.clock);
    this.folderLimiter = new TokenBucketLimiter(options.folderBandwidthBytesPerSecond ?? 0, this.clock);
    this.folderLimiters = new BothLimiters(this.limiter, this.folderLimiter);
    // Checked item by item at load (item-schema.ts): a damaged item never stops the others.
    this.doc = new PersistedDocument<QueueData>(options.store, queueSchema);
    this.progress = new ProgressTracker(
      this.clock,
      (id) => this.emitChanged(id),
      () => this.emit('totals', this.totals()),
    );
    this.modelCheck = {
      client: options.client,
      probe: new ContainerProbe(),
      logger: this.logger,
      models: new Map(),
    };
    this.timers = new WakeTimers({
      clock: this.clock,
      logger: this.logger,
      items: () => this.items,
      running: () => this.running,
      probe: () => this.options.client.probe(),
      wake: (item) => this.wakeItem(item),
      sourceReturned: (item) => {
        this.resetPreparation(item);
        this.wakeItem(item);
      },
      probeIntervalMs: options.probeIntervalMs ?? 5_000,
      sourceCheckIntervalMs: options.sourceCheckIntervalMs ?? 30_000,
      pausedUntil: () => this.timedPauseEnd,
      resumeAll: () => this.resumeAll(),
    });
    this.transferContext = {
      client: options.client,
      ledger: options.ledger,
      clock: this.clock,
      logger: this.logger,
      limiterFor: (item) => (item.origin ? this.folderLimiters : this.limiter),
      progress: this.progress,
      chunkConcurrency: () => this.chunkConcurrency,
      items: () => this.items,
      twinOf: (item) => {
        const twin = this.index.twinOf(item, this.items);
        // A twin whose asset was deleted (the library told the ledger) no longer stands for the content.
        return twin?.assetId && !options.ledger.knowsAsset(twin.assetId) ? undefined : twin;
      },
      transition: (item, state) => this.transition(item, state),
      reindex: (item) => this.reindex(item),
      changed: (item) => this.doc.changedAt('items', item.id),
      save: (item) => {
        this.doc.changedAt('items', item.id);
        return this.doc.commitChanges();
      },
      emitChanged: (id) => this.emitChanged(id),
      follow: (item) => this.follow(item),
      multipartFromBytes: options.multipartFromBytes,
      arrivalPatienceMs: options.arrivalPatienceMs,
    };
    for (const item of Object.values(this.items)) this.reindex(item);
  }

  /** What loading the saved queue found damaged, in words (the core says it as a notice). */
  get recovered(): string | undefined {
    return this.doc.recovered;
  }

  private get items(): Record<string, ItemRecord> {
    return this.doc.data.items;
  }

  /** When a timed "pause all" in force ends; undefined when nothing is paused or not for a time. */
  private get timedPauseEnd(): number | undefined {
    return this.doc.data.paused ? this.doc.data.pausedUntil : undefined;
  }

  // ---- lifecycle ----

  /** Restores what a previous run left (crash or quit) and starts working. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const item of Object.values(this.items)) {
      if (item.state === 'preparing') item.state = 'queued';
      // Interrupted transfers go back to the queue; the runner resumes multipart sessions from
      // their handle and reconciles a direct upload that may have created its asset already.
      if (item.state === 'uploading' || item.state === 'finalizing') item.state = 'queued';
      if (item.state === 'waiting' && item.wait?.code === 'auth') {
        item.state = item.resumeTo ?? 'queued';
        item.wait = undefined;
      }
      // Indexing resumes through the asset's follow: ready again, then the indexing stage.
      if (item.state === 'processing' || item.state === 'indexing') this.follow(item);
      this.reindex(item);
    }
    this.doc.changed();
    this.timers.scheduleWake();
    this.timers.scheduleSourceCheck();
    this.timers.scheduleResumeAll();
    this.progress.start();
    this.pump();
  }

  /** Stops all work, keeping every item's saved state, so a later start() resumes it. */
  async stop(): Promise<void> {
    this.running = false;
    this.modelCheck.probe.close();
    for (const c of this.active.values()) c.abort('stop');
    for (const c of this.followers.values()) c.abort('stop');
    this.timers.stop();
    this.progress.stop();
    while (this.active.size > 0) await new Promise((r) => setTimeout(r, 10));
    await this.doc.close();
  }

  /** Resolves when no item needs work (everything finished, paused, missing or blocked). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    if (this.blockedByAuth) return this.active.size === 0;
    return !PENDING_STATES.some((state) => this.index.tally.count(state) > 0);
  }

  private checkIdle(): void {
    if (this.idleWaiters.length > 0 && this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  // ---- adding ----

  async add(inputs: AddInput[]): Promise<AddResult> {
    const result: AddResult = { added: [], rejected: [] };
    let sinceYield = 0;
    for (const input of inputs) {
      // Thousands of files at once (a watched folder's first scan): let other work run between batches.
      if (++sinceYield % 500 === 0) await new Promise((r) => setImmediate(r));
      try {
        if (input.kind === 'url') {
          const url = validateMediaUrl(input.url);
          result.added.push(this.createItem({ kind: 'url', url }, input.options ?? {}, filenameFromUrl(url)));
        } else if (input.kind === 'file') {
          result.added.push(
            this.createItem(
              { kind: 'file', path: input.path },
              input.options ?? {},
              basename(input.path),
              input.origin,
            ),
          );
        } else {
          // Missing, unreadable or no folder: each is said by the rejection just below.
          const info = await stat(input.path).catch(() => undefined);
          if (!info?.isDirectory())
            throw new InputRejected(`${input.path} is not a folder that can be read.`);
          for await (const path of walkFiles(input.path, (p, why) =>
            this.logger.warn('skipped unreadable folder', { path: p, why }),
          ))
            result.added.push(this.createItem({ kind: 'file', path }, input.options ?? {}, basename(path)));
        }
      } catch (error) {
        if (!(error instanceof InputRejected)) throw error;
        result.rejected.push({
          input: input.kind === 'url' ? input.url : input.path,
          message: error.message,
        });
      }
    }
    try {
      await this.doc.commitChanges(); // createItem marked each new item
    } catch (error) {
      // Not saved (a full disk, a store that cannot be written): the items are taken back, so a
      // caller that tries again (a watched folder's hand-over does) adds each file once.
      for (const view of result.added) this.takeBack(view.id);
      this.emitTotals();
      throw error;
    }
    // The current view, not the one from creation: an item may have started meanwhile.
    for (const [i, view] of result.added.entries()) {
      this.emit('item-added', this.get(view.id) ?? view);
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    this.emitTotals();
    this.pump();
    return result;
  }

  private createItem(
    source: ItemRecord['source'],
    options: UploadOptions,
    fallbackName: string,
    origin?: ItemRecord['origin'],
  ): QueueItemView {
    const now = this.clock.now();
    // Dropped, from the CLI or from a watched folder alike: an option the item leaves unset is
    // the Settings' (watched-folder uploads had no thumbnail although Settings asked for one).
    const own = Object.entries(options).filter(([, value]) => value !== undefined);
    options = { ...this.options.defaultOptions?.(), ...Object.fromEntries(own) };
    // While everything is paused, new items wait too, until "resume all".
    const paused = this.doc.data.paused;
    const item: ItemRecord = {
      id: randomUUID(),
      source,
      name: options.filename ?? fallbackName,
      options,
      state: paused ? 'paused' : 'queued',
      ...(paused && { pausedBy: 'all' as const, resumeTo: 'queued' as const }),
      addedAt: now,
      updatedAt: now,
      // After every item already queued, even thousands added within one millisecond.
      order: this.index.order.next(now),
      ...(origin && { origin }),
    };
    this.items[item.id] = item;
    this.doc.changedAt('items', item.id);
    this.reindex(item);
    return toView(item);
  }

  // ---- user actions ----

  pause(id: string): void {
    const item = this.items[id];
    if (!item || FINISHED_STATES.includes(item.state) || item.state === 'paused') return;
    this.pauseItem(item, 'user');
  }

  private pauseItem(item: ItemRecord, by: 'user' | 'all'): void {
    const controller = this.active.get(item.id) ?? this.followers.get(item.id);
    item.resumeTo = item.assetId ? 'processing' : 'queued';
    item.pausedBy = by;
    item.wait = undefined;
    controller?.abort('pause');
    this.transition(item, 'paused');
  }

  resume(id: string): void {
    const item = this.items[id];
    if (!item || !canResume(item.state)) return;
    this.wakeItem(item);
  }

  /**
   * Pauses every item, and items added meanwhile. With `until` (ms since epoch), everything
   * resumes by itself then ("pause for an hour"), even if the app was restarted in between.
   */
  pauseAll(until?: number): void {
    this.doc.data.paused = true;
    this.doc.data.pausedUntil = until;
    this.doc.changedAt('paused');
    this.doc.changedAt('pausedUntil');
    this.timers.scheduleResumeAll();
    for (const item of Object.values(this.items)) if (isPending(item.state)) this.pauseItem(item, 'all');
    this.emitTotals();
  }

  resumeAll(): void {
    // Also ends a sleep pause, should the system's wake-up never have been heard: the person's
    // "resume all" always gets work going.
    this.asleep = false;
    this.doc.data.paused = false;
    this.doc.data.pausedUntil = undefined;
    this.doc.changedAt('paused');
    this.doc.changedAt('pausedUntil');
    this.timers.scheduleResumeAll();
    for (const item of Object.values(this.items))
      if (item.state === 'paused' && item.pausedBy === 'all') this.wakeItem(item);
    this.emitTotals();
    this.pump();
  }

  /**
   * The computer is going to sleep: transfers stop and nothing starts until resumeAfterSleep().
   * The desktop app calls it on powerMonitor 'suspend' (electron/main/power.ts). Unlike pauseAll(),
   * this pause is transient: nothing of it is saved and no item is marked paused, so quitting
   * while asleep and starting again starts nothing paused; a person's own pause stays as it was.
   */
  pauseForSleep(): void {
    if (this.asleep) return;
    this.asleep = true;
    for (const c of this.active.values()) c.abort('sleep');
    this.emitTotals();
  }

  /** The computer woke up: the work pauseForSleep() stopped goes on. */
  resumeAfterSleep(): void {
    if (!this.asleep) return;
    this.asleep = false;
    this.emitTotals();
    this.pump();
  }

  cancel(id: string): void {
    const item = this.items[id];
    if (!item || FINISHED_STATES.includes(item.state)) return;
    const controller = this.active.get(item.id) ?? this.followers.get(item.id);
    // An abandoned multipart session expires by itself on the platform (24 h).
    item.multipart = undefined;
    item.finishedAt = this.clock.now();
    this.transition(item, 'canceled');
    controller?.abort('cancel');
  }

  retry(id: string): void {
    const item = this.items[id];
    if (item?.state === 'index-failed' && item.assetId) {
      // The asset is uploaded and ready: only the indexing is done again.
      item.error = undefined;
      item.finishedAt = undefined;
      item.indexing = undefined;
      this.transition(item, 'processing');
      return this.follow(item);
    }
    if (!item || !isRetryableState(item.state)) return;
    this.resetPreparation(item);
    item.error = undefined;
    item.retryable = undefined;
    item.finishedAt = undefined;
    item.failures = 0;
    this.transition(item, 'queued');
    this.pump();
  }

  /** A file the index's models refuse, which the person wants uploaded anyway, without indexing. */
  uploadWithoutIndexing(id: string): void {
    const item = this.items[id];
    if (!item?.indexing?.refused || item.state !== 'failed') return;
    item.options = { ...item.options, indexId: '' };
    item.indexing = undefined;
    this.retry(id);
  }

  /** A duplicate the person wants uploaded anyway. */
  uploadAnyway(id: string): void {
    const item = this.items[id];
    if (!item || item.state !== 'duplicate') return;
    item.forceUpload = true;
    item.duplicateOf = undefined;
    item.finishedAt = undefined;
    this.transition(item, 'queued');
    this.pump();
  }

  moveToTop(id: string): void {
    const item = this.items[id];
    if (!item) return;
    // The order index knows the lowest order: no walk over every item.
    item.order = Math.min(item.order, this.index.order.lowest) - 1;
    this.reindex(item);
    this.doc.changedAt('items', item.id);
    this.emitChanged(item.id);
    this.pump();
  }

  remove(id: string): void {
    const item = this.items[id];
    if (!item) return;
    (this.active.get(id) ?? this.followers.get(id))?.abort('remove');
    this.archive(item);
    this.unindex(item);
    delete this.items[id];
    this.doc.changedAt('items', id);
    this.doc.changedAt('history');
    this.emit('item-removed', id);
    this.emitTotals();
  }

  /** Moves finished items to the history: those in `states` ("Clear finished" passes ready only). */
  removeFinished(states: readonly ItemState[] = FINISHED_STATES): number {
    const finished = Object.values(this.items).filter(
      (i) => FINISHED_STATES.includes(i.state) && states.includes(i.state),
    );
    for (const item of finished) this.remove(item.id);
    return finished.length;
  }

  /** "Retry all": every failed or missing-file item that trying again can help. */
  retryAll(): number {
    const again = Object.values(this.items).filter(retryAllTakes);
    for (const item of again) this.retry(item.id);
    return again.length;
  }

  clearHistory(): void {
    this.doc.data.history = [];
    this.doc.changedAt('history');
  }

  setConcurrency(files: number, chunksPerFile?: number): void {
    this.concurrency = Math.max(1, Math.floor(files));
    if (chunksPerFile !== undefined) this.chunkConcurrency = Math.max(1, Math.floor(chunksPerFile));
    this.pump();
  }

  setBandwidthLimit(bytesPerSecond: number): void {
    this.limiter.setRate(bytesPerSecond);
  }

  /** A limit of their own for uploads from watched folders, within the one on all uploads; 0 = none. */
  setFolderBandwidthLimit(bytesPerSecond: number): void {
    this.folderLimiter.setRate(bytesPerSecond);
  }

  /** The API key changed: whatever waited for a valid key tries again. */
  credentialsChanged(): void {
    this.blockedByAuth = false;
    for (const item of Object.values(this.items))
      if (item.state === 'waiting' && item.wait?.code === 'auth') this.wakeItem(item);
    this.emitTotals();
    this.pump();
  }

  // ---- reading ----

  /** Every item in queue order: for the CLI and tests; front ends page (`page`). */
  list(): QueueItemView[] {
    return this.index.order.ids().map((id) => this.view(this.items[id]!));
  }

  /** One window of the items in `filter`, in queue order, with the filter's size and the totals. */
  page(filter: UploadFilter = 'all', offset = 0, limit = UPLOADS_PAGE_DEFAULT): UploadsPage {
    const window = this.index.page(this.items, filter, offset, limit);
    return {
      items: window.items.map((i) => this.view(i)),
      total: window.total,
      offset,
      totals: this.totals(),
    };
  }

  get(id: string): QueueItemView | undefined {
    const item = this.items[id];
    return item && this.view(item);
  }

  history(): HistoryEntry[] {
    return [...this.doc.data.history];
  }

  totals(): QueueTotals {
    let bytesDone = this.index.tally.bytesDelivered;
    // Only transfers in flight have partial progress.
    for (const id of this.active.keys()) {
      const item = this.items[id];
      if (item?.size && QueueTally.sending(item.state)) bytesDone += this.progress.get(id)?.sentBytes ?? 0;
    }
    const bytesTotal = this.index.tally.bytesTotal;
    const bytesPerSecond = this.progress.speed();
    const left = bytesTotal - bytesDone;
    return {
      byState: this.index.tally.states(),
      bytesDone,
      bytesTotal,
      bytesPerSecond,
      ...(bytesPerSecond > 0 && left > 0 && { etaSeconds: Math.round(left / bytesPerSecond) }),
      paused: this.doc.data.paused,
      ...(this.timedPauseEnd !== undefined && { pausedUntil: this.timedPauseEnd }),
      blockedByAuth: this.blockedByAuth,
      retryable: this.index.tally.retryable,
    };
  }

  private view(item: ItemRecord): QueueItemView {
    const transferring = item.state === 'uploading' || item.state === 'finalizing';
    return toView(item, transferring ? this.progress.get(item.id) : undefined);
  }

  // ---- scheduling ----

  private pump(): void {
    if (!this.running || this.asleep || this.blockedByAuth || this.active.size >= this.concurrency)
      return this.checkIdle();
    const free = this.concurrency - this.active.size;
    for (const item of this.index.firstStartable(this.items, free, (id) => this.active.has(id)))
      void this.runItem(item);
    this.checkIdle();
  }

  private async runItem(item: ItemRecord): Promise<void> {
    const controller = new AbortController();
    this.active.set(item.id, controller);
    try {
      if (wantsIndexing(item) && item.source.kind === 'file' && !item.assetId && !item.indexing?.checked) {
        // Before a byte is sent: would the index's models take this file? (issue 17)
        this.transition(item, 'preparing');
        await checkForIndex(this.modelCheck, item, item.source.path);
        this.doc.changedAt('items', item.id);
      }
      await transferItem(this.transferContext, item, controller.signal);
    } catch (error) {
      this.handleError(
        item,
        error,
        controller.signal.aborted ? (controller.signal.reason as AbortReason) : undefined,
      );
    } finally {
      this.active.delete(item.id);
      this.progress.clear(item.id);
      this.emitTotals();
      this.pump();
    }
  }

  /** Polls a created asset until the platform says ready or failed; holds no upload slot. */
  private follow(item: ItemRecord): void {
    if (this.followers.has(item.id) || !item.assetId) return;
    const controller = new AbortController();
    this.followers.set(item.id, controller);
    void this.options.client
      .waitUntilSettled(item.assetId, {
        signal: controller.signal,
        initialIntervalMs: this.options.pollInitialMs ?? 1000,
        maxIntervalMs: this.options.pollMaxMs ?? 15_000,
      })
      .then(async (asset) => {
        item.finishedAt = this.clock.now();
        if (asset.status === 'ready') {
          if (!wantsIndexing(item)) return this.transition(item, 'ready');
          item.finishedAt = undefined;
          return indexItem(this.indexingContext(), item, controller.signal);
        } else {
          item.error = `TwelveLabs could not process ${item.name}: ${asset.error?.message ?? 'no reason given'}`;
          this.options.ledger.forgetAsset(item.assetId!);
          this.transition(item, 'failed');
        }
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted)
          return this.handleError(item, error, controller.signal.reason as AbortReason);
        if (isGone(error)) {
          item.error = `The asset of ${item.name} was deleted on TwelveLabs before it finished processing.`;
          item.finishedAt = this.clock.now();
          this.options.ledger.forgetAsset(item.assetId!);
          return this.transition(item, 'failed');
        }
        this.handleError(item, error, undefined);
      })
      .finally(() => {
        this.followers.delete(item.id);
        this.checkIdle();
      });
  }

  private handleError(item: ItemRecord, error: unknown, aborted: AbortReason | undefined): void {
    if (aborted) {
      // pause and cancel already set the state; stop keeps it for the next start.
      // Back in line, not paused: it starts again on waking, or at the next start. (Unless the
      // person cancelled, paused or removed it while it wound down: that stands.)
      const current = this.items[item.id] === item && !FINISHED_STATES.includes(item.state);
      if (aborted === 'sleep' && current && item.state !== 'paused') {
        this.transition(item, item.assetId ? 'processing' : 'queued');
        if (item.assetId) this.follow(item);
      }
      if (aborted === 'auth') {
        // The key may have been fixed while this transfer was winding down.
        if (this.blockedByAuth) this.waitForKey(item);
        else this.transition(item, item.assetId ? 'processing' : 'queued');
      }
      return;
    }
    if (!this.items[item.id] || FINISHED_STATES.includes(item.state) || item.state === 'paused') return;
    const failures = (item.failures ?? 0) + 1;
    const decision = decide(error, failures, this.clock.now(), this.random);
    this.logger.warn('upload item problem', {
      item: item.id,
      decision: decision.kind,
      error: (error as Error)?.message,
    });
    switch (decision.kind) {
      case 'wait':
        item.failures = failures;
        item.wait = decision.reason;
        item.resumeTo = item.assetId ? 'processing' : 'queued';
        this.transition(item, 'waiting');
        this.timers.scheduleWake();
        if (decision.reason.code === 'offline' || decision.reason.code === 'server')
          this.timers.scheduleProbe();
        return;
      case 'auth':
        this.blockedByAuth = true;
        this.waitForKey(item);
        for (const [id, c] of this.active) if (id !== item.id) c.abort('auth');
        this.emitTotals();
        return;
      case 'fail':
        item.error = decision.message;
        // The file itself is refused (type, size, length): the UI offers no Retry for it.
        item.retryable = !(error instanceof InputRejected);
        item.finishedAt = this.clock.now();
        this.transition(item, 'failed');
        return;
      case 'source-missing':
        item.error = decision.message;
        this.transition(item, 'source-missing');
        this.timers.scheduleSourceCheck();
        return;
      case 'restart':
        this.resetPreparation(item);
        item.failures = failures;
        if (failures > 5) {
          item.wait = {
            code: 'source-changed',
            message: 'Waiting for the file to stop changing',
            resumeAt: this.clock.now() + 30_000,
          };
          item.resumeTo = 'queued';
          this.transition(item, 'waiting');
          this.timers.scheduleWake();
        } else this.transition(item, 'queued');
        return;
      case 'new-session':
        item.multipart = undefined;
        this.transition(item, 'queued');
        return;
    }
  }

  private indexingContext(): IndexingContext {
    return {
      client: this.options.client,
      clock: this.clock,
      logger: this.logger,
      transition: (item, state) => this.transition(item, state),
      save: (item) => {
        this.doc.changedAt('items', item.id);
        return this.doc.commitChanges();
      },
      emitChanged: (id) => this.emitChanged(id),
      indexName: this.options.indexName,
      pollInitialMs: this.options.pollInitialMs,
      pollMaxMs: this.options.pollMaxMs,
      relookDelaysMs: this.options.indexRelookDelaysMs,
    };
  }

  private waitForKey(item: ItemRecord): void {
    item.wait = { code: 'auth', message: 'The API key was refused; waiting for a valid key' };
    item.resumeTo = item.assetId ? 'processing' : 'queued';
    this.transition(item, 'waiting');
  }

  private resetPreparation(item: ItemRecord): void {
    this.unindex(item);
    for (const key of [
      'sha256',
      'size',
      'mtimeMs',
      'kind',
      'mime',
      'method',
      'multipart',
      'attemptStartedAt',
      'attemptBodySent',
      'assetId',
      'duplicateOf',
      'indexing',
    ] as const)
      delete item[key];
    this.reindex(item);
  }

  private wakeItem(item: ItemRecord): void {
    const target = item.state === 'source-missing' ? 'queued' : (item.resumeTo ?? 'queued');
    item.wait = undefined;
    item.pausedBy = undefined;
    item.error = undefined;
    this.transition(item, target);
    if (target === 'processing') this.follow(item);
    this.pump();
  }

  /** An item whose adding was not saved: gone as if never added (its transfer, if started, too). */
  private takeBack(id: string): void {
    const item = this.items[id];
    if (!item) return;
    const controller = this.active.get(id) ?? this.followers.get(id);
    controller?.abort('remove');
    this.unindex(item);
    delete this.items[id];
    this.doc.changedAt('items', id);
    if (controller) this.emit('item-removed', id); // it was seen changing: say it is gone
  }

  // ---- state and events ----

  private transition(item: ItemRecord, state: ItemState): void {
    item.state = state;
    this.reindex(item);
    item.updatedAt = this.clock.now();
    if (state !== 'waiting') item.wait = undefined;
    this.doc.changedAt('items', item.id);
    this.emitChanged(item.id);
    this.emitTotals();
    this.checkIdle();
  }

  /** Keeps the index in step with an item's state, size and content hash. */
  private reindex(item: ItemRecord): void {
    this.index.update(item, this.items[item.id] === item);
  }

  private unindex(item: ItemRecord): void {
    this.index.remove(item);
  }

  private emitChanged(id: string): void {
    const item = this.items[id];
    if (item) this.emit('item-changed', this.view(item));
  }

  private emitTotals(): void {
    this.progress.totalsChanged();
  }

  private archive(item: ItemRecord): void {
    if (!FINISHED_STATES.includes(item.state)) return;
    const history = this.doc.data.history;
    history.unshift({
      itemId: item.id,
      name: item.name,
      state: item.state,
      finishedAt: item.finishedAt ?? this.clock.now(),
      ...(item.assetId && { assetId: item.assetId }),
      ...(item.size && { size: item.size }),
      ...(item.error && { error: item.error }),
    });
    history.splice(this.options.historyLimit ?? 1000);
  }
}
