import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { sep } from 'node:path';
import type { QueueItemView } from '../../shared/queue-types.ts';
import {
  DEFAULT_FOLDER_SETTINGS,
  type FolderPreview,
  type FolderStatus,
  type WatchedFolder,
  type WatchedFolderSettings,
} from '../../shared/sync-types.ts';
import { LifecycleScope } from '../lifecycle-scope.ts';
import { silentLogger, systemClock, type Clock, type Logger } from '../ports.ts';
import type { UploadQueue } from '../queue/upload-queue.ts';
import type { DocumentStore } from '../store/document-store.ts';
import { chokidarWatchFolder } from './chokidar-folder-watcher.ts';
import { existingFolder, FolderError } from './folder-errors.ts';
import { previewFolder } from './folder-preview.ts';
import { FolderRunner } from './folder-runner.ts';
import type { WatchFolder } from './folder-watcher.ts';
import { SyncLedger } from './sync-ledger.ts';

export interface FolderSyncOptions {
  queue: UploadQueue;
  store: DocumentStore;
  watchFolder?: WatchFolder;
  clock?: Clock;
  logger?: Logger;
  /** The catch-all rescan (default 10 minutes): OS watchers drop events. */
  reconcileIntervalMs?: number;
  /** How often an unavailable folder is looked for. */
  availabilityIntervalMs?: number;
}

export { FolderError };

interface SyncEvents {
  status: [FolderStatus];
  'folders-changed': [WatchedFolder[]];
}

/** Watched folders: auto-sync that hands each finished media file to the queue exactly once. */
export class FolderSync extends EventEmitter<SyncEvents> {
  private readonly ledger: SyncLedger;
  private readonly runners = new Map<string, FolderRunner>();
  /** Each runner's closer in the scope, to take it off when the runner is closed by other means. */
  private readonly runnerClosers = new Map<string, () => void>();
  private readonly onItem = (view: QueueItemView) => {
    if (view.origin) this.runners.get(view.origin.folderId)?.onItem(view);
  };
  /**
   * Owns the runners, the queue listener and the ledger: stop() closes every runner and still
   * saves and closes the ledger when one of them fails, then reports what failed.
   */
  private readonly scope: LifecycleScope;

  constructor(private readonly options: FolderSyncOptions) {
    super();
    this.ledger = new SyncLedger(options.store);
    this.scope = new LifecycleScope('watched folders', { logger: options.logger ?? silentLogger });
    this.scope.onClose('ledger', () => this.ledger.close());
  }

  get recovered(): string | undefined {
    return this.ledger.recovered;
  }

  async start(): Promise<void> {
    this.options.queue.on('item-changed', this.onItem);
    this.scope.onClose('queue listener', () => this.options.queue.off('item-changed', this.onItem));
    await Promise.all(this.ledger.folders().map((folder) => this.run(folder, false)));
  }

  /** Rejects (a LifecycleCloseError) only after every runner and the ledger were closed. */
  async stop(): Promise<void> {
    try {
      await this.scope.close();
    } finally {
      this.runners.clear();
      this.runnerClosers.clear();
    }
  }

  list(): WatchedFolder[] {
    return this.ledger.folders().map((f) => ({ ...f }));
  }

  statuses(): FolderStatus[] {
    return [...this.runners.values()].map((r) => r.status());
  }

  async addFolder(path: string, settings: Partial<WatchedFolderSettings> = {}): Promise<WatchedFolder> {
    const absolute = await existingFolder(path);
    for (const other of this.ledger.folders()) {
      if (other.path === absolute) throw new FolderError(`${absolute} is already watched.`);
      if (absolute.startsWith(other.path + sep) && other.recursive)
        throw new FolderError(
          `${absolute} is inside ${other.path}, which is already watched with its sub-folders.`,
        );
      if (other.path.startsWith(absolute + sep))
        throw new FolderError(
          `${other.path}, inside ${absolute}, is already watched: remove it first, or watch a different folder.`,
        );
    }
    const folder: WatchedFolder = {
      ...DEFAULT_FOLDER_SETTINGS,
      ...settings,
      id: randomUUID(),
      path: absolute,
      paused: false,
      addedAt: (this.options.clock ?? systemClock).now(),
    };
    await this.ledger.saveFolder(folder);
    this.emit('folders-changed', this.list());
    await this.run(folder, true);
    return { ...folder };
  }

  /** What adding `path` with `settings` would upload at once (folder-preview.ts). */
  preview(path: string, settings: Partial<WatchedFolderSettings> = {}): Promise<FolderPreview> {
    return previewFolder(path, settings);
  }

  async removeFolder(id: string): Promise<void> {
    await this.closeRunner(id);
    await this.ledger.removeFolder(id);
    this.emit('folders-changed', this.list());
  }

  async pause(id: string): Promise<void> {
    const runner = this.runner(id);
    await runner.pause();
    await this.ledger.saveFolder(runner.folder);
    this.emit('folders-changed', this.list());
  }

  async resume(id: string): Promise<void> {
    const runner = this.runner(id);
    await this.ledger.saveFolder({ ...runner.folder, paused: false });
    await runner.resume();
    this.emit('folders-changed', this.list());
  }

  /** Rescans folders now (after waking from sleep, or when the person asks). */
  async rescan(id?: string): Promise<void> {
    const runners = id ? [this.runner(id)] : [...this.runners.values()];
    await Promise.all(runners.map((r) => r.rescan()));
  }

  async updateSettings(id: string, patch: Partial<WatchedFolderSettings>): Promise<WatchedFolder> {
    const runner = this.runner(id);
    await this.closeRunner(id);
    const folder = { ...runner.folder, ...patch };
    await this.ledger.saveFolder(folder);
    await this.run(folder, false);
    this.emit('folders-changed', this.list());
    return { ...folder };
  }

  private runner(id: string): FolderRunner {
    const runner = this.runners.get(id);
    if (!runner) throw new FolderError('There is no watched folder with that id.');
    return runner;
  }

  /**
   * Closes a runner and forgets it. A part that would not close (its watcher) was logged by the
   * runner's scope; removing or re-running the folder goes on regardless.
   */
  private async closeRunner(id: string): Promise<void> {
    const runner = this.runners.get(id);
    this.runners.delete(id);
    this.runnerClosers.get(id)?.();
    this.runnerClosers.delete(id);
    await runner?.close().catch((error: unknown) =>
      (this.options.logger ?? silentLogger).warn('a watched folder did not close cleanly', {
        folder: id,
        error: (error as Error).message,
      }),
    );
  }

  private async run(folder: WatchedFolder, firstScan: boolean): Promise<void> {
    const runner = new FolderRunner(
      folder,
      {
        queue: this.options.queue,
        ledger: this.ledger,
        watchFolder: this.options.watchFolder ?? chokidarWatchFolder,
        clock: this.options.clock ?? systemClock,
        logger: this.options.logger ?? silentLogger,
        reconcileIntervalMs: this.options.reconcileIntervalMs ?? 10 * 60_000,
        availabilityIntervalMs: this.options.availabilityIntervalMs ?? 2_000,
        onStatus: (status) => this.emit('status', status),
      },
      firstScan,
    );
    this.runners.set(folder.id, runner);
    this.runnerClosers.set(
      folder.id,
      this.scope.onClose(`folder ${folder.path}`, () => runner.close()),
    );
    await runner.start();
  }
}
