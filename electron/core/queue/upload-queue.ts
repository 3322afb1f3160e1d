import { EventEmitter } from 'node:events';
import { PENDING_STATES } from '../../shared/item-state.ts';
import {
  FINISHED_STATES,
  type HistoryEntry,
  type ItemState,
  type QueueItemView,
  type QueueTotals,
} from '../../shared/queue-types.ts';
import { UPLOADS_PAGE_DEFAULT, type UploadFilter, type UploadsPage } from '../../shared/queue-page.ts';
import { defaultLogger, systemClock, type Clock, type Logger } from '../ports.ts';
import { PersistedDocument } from '../store/persisted-document.ts';
import { BothLimiters, TokenBucketLimiter } from './bandwidth.ts';
import { toView, type ItemRecord } from './item-record.ts';
import { queueSchema, type QueueData } from './item-schema.ts';
import { runItem, type RunContext } from './item-run.ts';
import type { ModelCheckContext } from './model-check.ts';
import { ContainerProbe } from '../media/container-probe.ts';
import { follow, resetPreparation } from './item-outcomes.ts';
import * as actions from './queue-actions.ts';
import * as bulk from './queue-bulk.ts';
import {
  transferContextFor,
  type QueueContext,
  type QueueEvents,
  type QueueFlags,
  type UploadQueueOptions,
} from './queue-context.ts';
import { clearHistory, history } from './queue-history.ts';
import { ProgressTracker } from './progress-tracker.ts';
import { QueueIndex } from './queue-index.ts';
import { unfinishedFrom } from './queue-origins.ts';
import { addItems, type AddInput, type AddResult } from './queue-intake.ts';
import { QueueTally } from './queue-tally.ts';
import { WakeTimers } from './wake-timers.ts';

export type { AddInput, AddResult } from './queue-intake.ts';
export type { UploadQueueOptions } from './queue-context.ts';

/**
 * The persistent upload queue: every file, folder and URL the user adds becomes an item here,
 * owned by the main process. It survives quits and crashes (state transitions are saved before
 * the side effects they start), never uploads the same content twice (sha256 ledger, crash
 * reconciliation), and never fails an item for a transient problem.
 *
 * This class is the facade: lifecycle, reading, scheduling and events. Adding (queue-intake.ts),
 * the person's actions (queue-actions.ts), error outcomes and following assets (item-outcomes.ts)
 * and the history (queue-history.ts) work on the QueueContext it builds (queue-context.ts).
 */
export class UploadQueue extends EventEmitter<QueueEvents> {
  private readonly doc: PersistedDocument<QueueData>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly limiter: TokenBucketLimiter;
  /** Watched-folder uploads pass this one too (0 = no limit of their own). */
  private readonly folderLimiter: TokenBucketLimiter;
  private readonly folderLimiters: BothLimiters;
  private readonly progress: ProgressTracker;
  private readonly active = new Map<string, AbortController>();
  private readonly followers = new Map<string, AbortController>();
  private concurrency: number;
  private chunkConcurrency: number;
  /** Running, asleep (pauseForSleep), blocked by a refused key: in memory only, never saved. */
  private readonly flags: QueueFlags = { running: false, asleep: false, blockedByAuth: false };
  private readonly timers: WakeTimers;
  /** What running an item needs beyond the context (item-run.ts). */
  private readonly run: RunContext;
  private readonly ctx: QueueContext;
  private idleWaiters: Array<() => void> = [];
  /** Startable items, totals and content hashes, kept as items change (queue-index.ts). */
  private readonly index = new QueueIndex();
  /** The model preflight's container reader and the indexes' models (model-check.ts). */
  private readonly modelCheck: ModelCheckContext;

  constructor(private readonly options: UploadQueueOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? defaultLogger;
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
      running: () => this.flags.running,
      probe: () => this.options.client.probe(),
      wake: (item) => actions.wakeItem(this.ctx, item),
      sourceReturned: (item) => {
        resetPreparation(this.ctx, item);
        actions.wakeItem(this.ctx, item);
      },
      probeIntervalMs: options.probeIntervalMs ?? 5_000,
      sourceCheckIntervalMs: options.sourceCheckIntervalMs ?? 30_000,
      pausedUntil: () => this.timedPauseEnd,
      resumeAll: () => this.resumeAll(),
    });
    this.ctx = {
      options,
      doc: this.doc,
      clock: this.clock,
      logger: this.logger,
      random: options.random ?? Math.random,
      index: this.index,
      timers: this.timers,
      flags: this.flags,
      active: this.active,
      followers: this.followers,
      items: () => this.items,
      transition: (item, state) => this.transition(item, state),
      reindex: (item) => this.reindex(item),
      unindex: (item) => this.index.remove(item),
      get: (id) => this.get(id),
      emitAdded: (view) => this.emit('item-added', view),
      emitChanged: (id) => this.emitChanged(id),
      emitRemoved: (id) => this.emit('item-removed', id),
      emitTotals: () => this.emitTotals(),
      emitTotalsNow: () => this.emit('totals', this.totals()),
      emitChangedMany: (ids) => this.emit('items-changed', ids),
      checkIdle: () => this.checkIdle(),
      pump: () => this.pump(),
      follow: (item) => follow(this.ctx, item),
    };
    const transfer = transferContextFor(this.ctx, {
      limiterFor: (item) => (item.origin ? this.folderLimiters : this.limiter),
      progress: this.progress,
      chunkConcurrency: () => this.chunkConcurrency,
    });
    this.run = { modelCheck: this.modelCheck, transfer, progress: this.progress };
    bulk.finishPause(this.ctx); // a crash cut a "pause all" short: its items are paused now
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
    if (this.flags.running) return;
    this.flags.running = true;
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
      if (item.state === 'processing' || item.state === 'indexing') follow(this.ctx, item);
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
    this.flags.running = false;
    this.modelCheck.probe.close();
    for (const c of this.active.values()) c.abort('stop');
    for (const c of this.followers.values()) c.abort('stop');
    this.timers.stop();
    this.progress.stop();
    while (this.active.size > 0) await new Promise((r) => setTimeout(r, 10));
    await bulk.pauseEnded(this.ctx); // its mark cleared in memory, so the close saves it cleared
    await this.doc.close();
  }

  /** Resolves when no item needs work (everything finished, paused, missing or blocked). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    if (this.flags.blockedByAuth) return this.active.size === 0;
    return !PENDING_STATES.some((state) => this.index.tally.count(state) > 0);
  }

  private checkIdle(): void {
    if (this.idleWaiters.length > 0 && this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  // ---- adding and the person's actions (queue-intake.ts, queue-actions.ts) ----

  add(inputs: AddInput[]): Promise<AddResult> {
    return addItems(this.ctx, inputs);
  }

  pause(id: string): void {
    actions.pause(this.ctx, id);
  }

  resume(id: string): void {
    actions.resume(this.ctx, id);
  }

  /** Pauses every item, and items added meanwhile; with `until` (ms since epoch), for a time. */
  pauseAll(until?: number): void {
    bulk.pauseAll(this.ctx, until);
  }

  resumeAll(): void {
    bulk.resumeAll(this.ctx);
  }

  /** The computer is going to sleep: a transient pause, never saved (queue-actions.ts). */
  pauseForSleep(): void {
    actions.pauseForSleep(this.ctx);
  }

  resumeAfterSleep(): void {
    actions.resumeAfterSleep(this.ctx);
  }

  cancel(id: string): void {
    actions.cancel(this.ctx, id);
  }

  retry(id: string): void {
    actions.retry(this.ctx, id);
  }

  uploadWithoutIndexing(id: string): void {
    actions.uploadWithoutIndexing(this.ctx, id);
  }

  uploadAnyway(id: string): void {
    actions.uploadAnyway(this.ctx, id);
  }

  moveToTop(id: string): void {
    actions.moveToTop(this.ctx, id);
  }

  remove(id: string): void {
    actions.remove(this.ctx, id);
  }

  /** Moves finished items to the history: those in `states` ("Clear finished" passes ready only). */
  removeFinished(states: readonly ItemState[] = FINISHED_STATES): number {
    return bulk.removeFinished(this.ctx, states);
  }

  retryAll(): number {
    return actions.retryAll(this.ctx);
  }

  clearHistory(): void {
    clearHistory(this.ctx);
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
    actions.credentialsChanged(this.ctx);
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

  /** An item's state alone, without making its view (undefined: no such item). */
  stateOf = (id: string): ItemState | undefined => this.items[id]?.state;
  /** A watched folder's unfinished items by relative path (queue-origins.ts). */
  unfinishedFrom = (folderId: string): Map<string, string> => unfinishedFrom(this.items, folderId);

  history(): HistoryEntry[] {
    return history(this.ctx);
  }

  totals(): QueueTotals {
    // Only transfers in flight have partial progress.
    let sent = 0;
    for (const id of this.active.keys()) {
      const item = this.items[id];
      if (item?.size && QueueTally.sending(item.state)) sent += this.progress.get(id)?.sentBytes ?? 0;
    }
    return this.index.tally.totals(sent, this.progress.speed(), {
      paused: this.doc.data.paused,
      ...(this.timedPauseEnd !== undefined && { pausedUntil: this.timedPauseEnd }),
      blockedByAuth: this.flags.blockedByAuth,
    });
  }

  private view(item: ItemRecord): QueueItemView {
    const transferring = item.state === 'uploading' || item.state === 'finalizing';
    return toView(item, transferring ? this.progress.get(item.id) : undefined);
  }

  // ---- scheduling ----

  private pump(): void {
    const { running, asleep, blockedByAuth } = this.flags;
    if (!running || asleep || blockedByAuth || this.active.size >= this.concurrency) return this.checkIdle();
    const free = this.concurrency - this.active.size;
    for (const item of this.index.firstStartable(this.items, free, (id) => this.active.has(id)))
      void runItem(this.ctx, this.run, item);
    this.checkIdle();
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

  private emitChanged(id: string): void {
    const item = this.items[id];
    if (item) this.emit('item-changed', this.view(item));
  }

  private emitTotals(): void {
    this.progress.totalsChanged();
  }
}
