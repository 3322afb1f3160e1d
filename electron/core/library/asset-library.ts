import { EventEmitter } from 'node:events';
import type { AssetDetail } from '../../shared/domain.ts';
import type {
  DeleteOutcome,
  LibraryAsset,
  LibraryPage,
  LibraryQuery,
  LibraryState,
  Provenance,
} from '../../shared/library-types.ts';
import type { UndiciTwelveLabsClient } from '../api/client.ts';
import { AuthError, TwelveLabsError } from '../api/errors.ts';
import { isGone } from '../api/platform-answers.ts';
import { defaultLogger, systemClock, type Clock, type Logger } from '../ports.ts';
import type { DocumentStore } from '../store/document-store.ts';
import { PersistedDocument } from '../store/persisted-document.ts';
import { carryOut, deleteOne, markDeleteState, type DeleteContext } from './library-deletes.ts';
import { LibraryOrder } from './library-order.ts';
import { mirrorSchema, type MirrorData } from './library-schema.ts';
import { acceptPlatformId, isPlatformId } from './platform-ids.ts';
import { queryAssets } from './query.ts';
import type { ThumbnailCache } from './thumbnail-cache.ts';

export interface AssetLibraryOptions {
  client: UndiciTwelveLabsClient;
  store: DocumentStore;
  thumbnails?: ThumbnailCache;
  clock?: Clock;
  logger?: Logger;
  /** Incremental sync every… (default 60 s). */
  syncIntervalMs?: number;
  /** Full sync, which also notices assets deleted elsewhere, every… (default 30 min). */
  fullSyncIntervalMs?: number;
  /** What the app knows locally about an asset (source file, hash, watched folder). */
  provenance?: (assetId: string) => Provenance | undefined;
  /** Called when an asset is gone from the platform (the upload ledger forgets it). */
  onAssetGone?: (assetId: string) => void;
}

interface LibraryEvents {
  changed: [];
  state: [LibraryState];
}

const PAGE = 50;

/** What makes two versions of an asset different enough to tell the UI. */
function fingerprint(a: AssetDetail): string {
  return JSON.stringify([
    a.status,
    a.filename,
    a.size,
    a.duration,
    a.hls,
    a.thumbnail,
    a.userMetadata,
    a.error,
  ]);
}

/**
 * The offline-first mirror of the account's assets: reads are answered from it at once
 * (stale-while-revalidate); syncs keep it fresh; deletes wait for the network when there is none
 * and are only reflected once the platform confirmed them.
 */
export class AssetLibrary extends EventEmitter<LibraryEvents> {
  private readonly doc: PersistedDocument<MirrorData>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private online = true;
  private syncing: Promise<void> | undefined;
  private problem: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  /** Set by stop(): no write after it (a late refresh wrote while the next core had the mirror open). */
  private stopped = false;
  /** Refreshes and deletes under way, which write the mirror: stop() waits for them. */
  private readonly work = new Set<Promise<unknown>>();
  /** What the deletes (library-deletes.ts) act on: this mirror and its online state. */
  private readonly deletes: DeleteContext;
  /** The assets in each sort order asked for, kept as they change (a page is a slice, not a sort). */
  private readonly order: LibraryOrder;

  constructor(private readonly options: AssetLibraryOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? defaultLogger;
    // Checked entry by entry at load (library-schema.ts); failed saves said in the core's log.
    this.doc = new PersistedDocument<MirrorData>(options.store, mirrorSchema, 1_000, this.logger);
    this.order = new LibraryOrder(() => this.doc.data.assets);
    this.deletes = {
      doc: this.doc,
      client: options.client,
      clock: this.clock,
      logger: this.logger,
      markOnline: () => this.markOnline(),
      noteFailure: (error) => this.noteFailure(error),
      removeLocal: (assetId) => this.removeLocal(assetId),
    };
  }

  /** What loading the mirror found damaged, in words (the core says it as a notice). */
  get recovered(): string | undefined {
    return this.doc.recovered;
  }

  /** The same for the thumbnail cache's index. */
  get thumbnailsRecovered(): string | undefined {
    return this.options.thumbnails?.recovered;
  }

  /** Starts periodic syncs (the first one at once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    // The default order built before the Library opens, not when it does (100,000 assets: a sort).
    setImmediate(() => this.order.warm('date')).unref();
    void this.syncNow().catch(() => undefined); // noteFailure recorded and logged it
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    clearTimeout(this.timer);
    await this.syncing?.catch(() => undefined); // recorded and logged by noteFailure; stopping anyway
    await Promise.allSettled([...this.work]); // their changes are saved by the close below
    await this.doc.close();
    await this.options.thumbnails?.close();
  }

  state(): LibraryState {
    return {
      online: this.online,
      syncing: this.syncing !== undefined,
      ...(this.doc.data.lastSyncedAt && { lastSyncedAt: this.doc.data.lastSyncedAt }),
      ...(this.doc.data.lastFullSyncAt && { lastFullSyncAt: this.doc.data.lastFullSyncAt }),
      assetCount: this.order.size,
      pendingDeletes: Object.keys(this.doc.data.pendingDeletes).length,
      ...(this.problem && { problem: this.problem }),
    };
  }

  // ---- reading: never waits for the network ----

  query(q: LibraryQuery = {}): LibraryPage {
    const { items, total } = queryAssets(this.order, this.doc.data.assets, q);
    return {
      items: items.map((a) => this.withThumbnail(a)),
      total,
      ...(this.doc.data.lastSyncedAt && { lastSyncedAt: this.doc.data.lastSyncedAt }),
      online: this.online,
    };
  }

  /** The cached detail at once; when online, the fresh one follows through `changed`. */
  detail(assetId: string): { asset: LibraryAsset; provenance?: Provenance } | undefined {
    const asset = isPlatformId(assetId) ? this.doc.data.assets[assetId] : undefined;
    if (!asset) return undefined;
    if (this.online) void this.refreshOne(assetId).catch(() => undefined); // noteFailure logged it
    const provenance = this.options.provenance?.(assetId);
    return { asset: this.withThumbnail(asset), ...(provenance && { provenance }) };
  }

  /** Fetches the detail now (for callers that want to wait for fresh data); nothing after stop(). */
  refreshOne(assetId: string): Promise<LibraryAsset | undefined> {
    if (this.refusedAfterStop('refresh')) return Promise.resolve(undefined);
    return this.tracked(this.refresh(assetId));
  }

  private async refresh(assetId: string): Promise<LibraryAsset | undefined> {
    try {
      const fresh = await this.options.client.retrieveAsset(assetId);
      this.markOnline();
      this.upsert(fresh);
      this.emit('changed');
      void this.cacheThumbnail(fresh);
      return this.doc.data.assets[assetId];
    } catch (error) {
      if (isGone(error)) {
        this.removeLocal(assetId);
        this.emit('changed');
        return undefined;
      }
      this.noteFailure(error);
      throw error;
    }
  }

  private withThumbnail(asset: LibraryAsset): LibraryAsset {
    const path = this.options.thumbnails?.cached(asset.id);
    return path ? { ...asset, thumbnailPath: path } : asset;
  }

  // ---- syncing ----

  /** Syncs now (full when due or asked, incremental otherwise); one sync at a time. */
  syncNow(full?: boolean): Promise<void> {
    if (this.refusedAfterStop('sync')) return Promise.resolve();
    this.syncing ??= this.runSync(full).finally(() => {
      this.syncing = undefined;
      this.emit('state', this.state());
      this.scheduleNext();
    });
    this.emit('state', this.state());
    return this.syncing;
  }

  private scheduleNext(): void {
    clearTimeout(this.timer);
    if (!this.started) return;
    this.timer = setTimeout(
      () => void this.syncNow().catch(() => undefined), // noteFailure recorded and logged it
      this.options.syncIntervalMs ?? 60_000,
    );
    this.timer.unref?.();
  }

  private async runSync(full?: boolean): Promise<void> {
    const data = this.doc.data;
    const fullDue =
      full ??
      (!data.lastFullSyncAt ||
        this.clock.now() - data.lastFullSyncAt > (this.options.fullSyncIntervalMs ?? 30 * 60_000));
    try {
      await this.processPendingDeletes();
      if (fullDue) await this.fullSync();
      else await this.incrementalSync();
      // Deletes asked for while this sync was under way (offline at the time) go now.
      await this.processPendingDeletes();
      data.lastSyncedAt = this.clock.now();
      this.doc.changedAt('lastSyncedAt');
      this.problem = undefined;
      this.markOnline();
      // Only what changed is written (a journal line per asset): a library of 100,000 assets is
      // not rewritten every minute.
      await this.doc.commitChanges();
      this.order.warm('date');
    } catch (error) {
      this.noteFailure(error);
      throw error;
    }
  }

  /** Every page: the mirror becomes exactly what the platform has (deleted-elsewhere assets go). */
  private async fullSync(): Promise<void> {
    const seen = new Set<string>();
    for await (const asset of this.options.client.listAssets({}, { pageLimit: PAGE })) {
      seen.add(asset.id);
      this.upsert(asset);
    }
    for (const id of Object.keys(this.doc.data.assets)) if (!seen.has(id)) this.removeLocal(id);
    this.doc.data.lastFullSyncAt = this.clock.now();
    this.doc.changedAt('lastFullSyncAt');
    this.emit('changed');
    this.cacheThumbnails();
  }

  /**
   * Newest pages first until a page brings nothing new or changed, then a targeted refresh of
   * every asset still processing: a handful of requests for a library of thousands.
   */
  private async incrementalSync(): Promise<void> {
    let changed = false;
    for (let page = 1; ; page++) {
      const result = await this.options.client.listAssetsPage({ page, pageLimit: PAGE });
      let pageChanged = false;
      for (const asset of result.data) pageChanged = this.upsert(asset) || pageChanged;
      changed ||= pageChanged;
      if (!pageChanged || result.data.length < PAGE || page >= (result.pageInfo.totalPage ?? page)) break;
    }
    const processing = Object.values(this.doc.data.assets).filter((a) => a.status === 'processing');
    for (const asset of processing) {
      try {
        const fresh = await this.options.client.retrieveAsset(asset.id);
        changed = this.upsert(fresh) || changed;
      } catch (error) {
        if (!isGone(error)) throw error;
        this.removeLocal(asset.id);
        changed = true;
      }
    }
    if (changed) {
      this.emit('changed');
      this.cacheThumbnails();
    }
  }

  /** Returns whether anything visible changed. */
  private upsert(asset: AssetDetail): boolean {
    if (!acceptPlatformId(asset.id, this.logger)) return false; // before it keys or names anything
    const assets = this.doc.data.assets;
    const current = assets[asset.id];
    if (current && fingerprint(current) === fingerprint(asset)) return false;
    const next: LibraryAsset = {
      ...asset,
      ...(current?.deleting && { deleting: true }),
      ...(current?.deleteBlocked && { deleteBlocked: current.deleteBlocked }),
    };
    if (current) this.order.changed(current, next);
    assets[asset.id] = next;
    if (!current) this.order.added(next);
    this.doc.changedAt('assets', asset.id);
    return true;
  }

  private removeLocal(assetId: string): void {
    const asset = this.doc.data.assets[assetId];
    if (asset) this.order.removed(asset);
    delete this.doc.data.assets[assetId];
    delete this.doc.data.pendingDeletes[assetId];
    markDeleteState(this.doc, assetId);
    void this.options.thumbnails?.forget(assetId);
    this.options.onAssetGone?.(assetId);
  }

  private cacheThumbnails(): void {
    if (!this.options.thumbnails) return;
    for (const asset of Object.values(this.doc.data.assets)) void this.cacheThumbnail(asset);
  }

  private async cacheThumbnail(asset: AssetDetail): Promise<void> {
    const url = asset.thumbnail?.status === 'ready' ? asset.thumbnail.representativeUrl : undefined;
    if (url && this.options.thumbnails && !this.options.thumbnails.cached(asset.id)) {
      const path = await this.options.thumbnails.fetch(asset.id, url);
      if (path) this.emit('changed');
    }
  }

  // ---- deleting ----

  /**
   * Deletes assets. `confirmed` must be true: the UI asks the person first, and the core refuses
   * a delete nobody confirmed. Offline, deletes wait; a 409 marks the asset `deleteBlocked` with
   * how many indexed assets reference it; only `force` overrides that (library-deletes.ts).
   */
  async delete(ids: string[], options: { confirmed: boolean; force?: boolean }): Promise<DeleteOutcome[]> {
    if (options.confirmed !== true) throw new Error('A delete needs the person’s explicit confirmation.');
    if (this.refusedAfterStop('delete'))
      throw new Error('TL Uploader is closing: nothing was deleted. Ask again once it has started.');
    return this.tracked(this.deleteConfirmed(ids, options.force === true));
  }

  private async deleteConfirmed(ids: string[], force: boolean): Promise<DeleteOutcome[]> {
    const outcomes: DeleteOutcome[] = [];
    for (const id of ids) outcomes.push(await deleteOne(this.deletes, id, force));
    await this.doc.commitChanges();
    this.emit('changed');
    this.emit('state', this.state());
    return outcomes;
  }

  private async processPendingDeletes(): Promise<void> {
    const pendingDeletes = Object.entries(this.doc.data.pendingDeletes);
    if (pendingDeletes.length === 0) return;
    try {
      await carryOut(this.deletes, pendingDeletes);
    } finally {
      this.emit('changed');
      this.emit('state', this.state());
    }
  }

  private tracked<T>(running: Promise<T>): Promise<T> {
    this.work.add(running); // the caller gets `running` and handles its failure
    running.finally(() => this.work.delete(running)).catch(() => undefined);
    return running;
  }

  /** Whether the library is stopped, said in the log (a late caller is a bug to see, not a throw). */
  private refusedAfterStop(what: string): boolean {
    if (this.stopped) this.logger.warn(`library: stopped, so the ${what} was not done`);
    return this.stopped;
  }

  // ---- online state ----

  private markOnline(): void {
    if (this.online) return;
    this.online = true;
    this.emit('state', this.state());
  }

  private noteFailure(error: unknown): void {
    const offline = error instanceof TwelveLabsError && error.retryable;
    const problem =
      error instanceof AuthError
        ? error.message
        : offline
          ? 'TwelveLabs cannot be reached.'
          : (error as Error).message;
    // Logged when it changes, not again on every minute's retry; being offline is expected.
    if (problem !== this.problem)
      this.logger[offline ? 'info' : 'warn']('library: sync or refresh failed', { error: problem });
    this.problem = problem;
    if (offline && this.online) {
      this.online = false;
      this.emit('state', this.state());
    }
  }
}
