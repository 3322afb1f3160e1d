import type { UploadOptions } from '../../shared/domain.ts';
import type { ItemState, QueueItemView, QueueTotals } from '../../shared/queue-types.ts';
import type { UndiciTwelveLabsClient } from '../api/client.ts';
import type { Clock, Logger } from '../ports.ts';
import type { DocumentStore } from '../store/document-store.ts';
import type { PersistedDocument } from '../store/persisted-document.ts';
import type { IndexingContext } from './indexing-stage.ts';
import type { ItemRecord } from './item-record.ts';
import type { QueueData } from './item-schema.ts';
import type { TransferContext } from './item-transfer.ts';
import type { QueueIndex } from './queue-index.ts';
import type { UploadLedger } from './upload-ledger.ts';
import type { WakeTimers } from './wake-timers.ts';

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

/** What the UploadQueue tells its listeners. */
export interface QueueEvents {
  'item-added': [QueueItemView];
  'item-changed': [QueueItemView];
  'item-removed': [string];
  /**
   * Many items changed at once (pause all, resume all over more than BULK_FROM items): these ids,
   * not announced one by one; a listener re-reads what it shows. Items that were transferring or
   * waiting are still announced one by one as well (their progress, their wait).
   */
  'items-changed': [string[]];
  totals: [QueueTotals];
  notice: [string];
}

export type AbortReason = 'pause' | 'cancel' | 'stop' | 'auth' | 'remove' | 'restart' | 'sleep';

/** The queue's flags that change at run time: in memory only, never saved. */
export interface QueueFlags {
  running: boolean;
  /** The computer sleeps (pauseForSleep). */
  asleep: boolean;
  blockedByAuth: boolean;
}

/**
 * What the queue's parts (intake, user actions, outcomes, history) share with the UploadQueue
 * facade that owns it: its saved document, indexes, running transfers and state changes, the way
 * TransferContext (item-transfer.ts) hands the transfer what it needs.
 */
export interface QueueContext {
  readonly options: UploadQueueOptions;
  readonly doc: PersistedDocument<QueueData>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly index: QueueIndex;
  readonly timers: WakeTimers;
  readonly flags: QueueFlags;
  /** Transfers in flight, and assets followed until they settle, by item id. */
  readonly active: Map<string, AbortController>;
  readonly followers: Map<string, AbortController>;
  items(): Record<string, ItemRecord>;
  transition(item: ItemRecord, state: ItemState): void;
  reindex(item: ItemRecord): void;
  unindex(item: ItemRecord): void;
  get(id: string): QueueItemView | undefined;
  emitAdded(view: QueueItemView): void;
  emitChanged(id: string): void;
  emitRemoved(id: string): void;
  emitTotals(): void;
  /**
   * The totals at once, not at the next tick of their pacing (up to 250 ms later): after the
   * person's own queue-wide actions (pause all, clear finished), whose buttons follow them.
   */
  emitTotalsNow(): void;
  /** After a bulk change of these items: one `items-changed` (the caller sends the totals). */
  emitChangedMany(ids: string[]): void;
  checkIdle(): void;
  pump(): void;
  /** Follows a created asset until the platform has processed it (item-outcomes.ts). */
  follow(item: ItemRecord): void;
}

/** Saves the item now; resolves once it is on disk. */
function save(ctx: QueueContext, item: ItemRecord): Promise<void> {
  ctx.doc.changedAt('items', item.id);
  return ctx.doc.commitChanges();
}

/** What one item's transfer (item-transfer.ts) is handed of the queue. */
export function transferContextFor(
  ctx: QueueContext,
  own: Pick<TransferContext, 'limiterFor' | 'progress' | 'chunkConcurrency'>,
): TransferContext {
  const { client, ledger, multipartFromBytes, arrivalPatienceMs } = ctx.options;
  return {
    ...own,
    client,
    ledger,
    clock: ctx.clock,
    logger: ctx.logger,
    items: () => ctx.items(),
    twinOf: (item) => {
      const twin = ctx.index.twinOf(item, ctx.items());
      // A twin whose asset was deleted (the library told the ledger) no longer stands for the content.
      return twin?.assetId && !ledger.knowsAsset(twin.assetId) ? undefined : twin;
    },
    transition: (item, state) => ctx.transition(item, state),
    reindex: (item) => ctx.reindex(item),
    changed: (item) => ctx.doc.changedAt('items', item.id),
    save: (item) => save(ctx, item),
    emitChanged: (id) => ctx.emitChanged(id),
    follow: (item) => ctx.follow(item),
    multipartFromBytes,
    arrivalPatienceMs,
  };
}

/** What the indexing stage (indexing-stage.ts) is handed of the queue. */
export function indexingContextFor(ctx: QueueContext): IndexingContext {
  return {
    client: ctx.options.client,
    clock: ctx.clock,
    logger: ctx.logger,
    transition: (item, state) => ctx.transition(item, state),
    save: (item) => save(ctx, item),
    emitChanged: (id) => ctx.emitChanged(id),
    indexName: ctx.options.indexName,
    pollInitialMs: ctx.options.pollInitialMs,
    pollMaxMs: ctx.options.pollMaxMs,
    relookDelaysMs: ctx.options.indexRelookDelaysMs,
  };
}
