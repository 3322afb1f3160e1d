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
  private readonly onItem = (view: QueueItemView) => {
    if (view.origin) this.runners.get(view.origin.folderId)?.onItem(view);
  };

  constructor(private readonly options: FolderSyncOptions) {
    super();
    this.ledger = new SyncLedger(options.store);
  }

  get recovered(): string | undefined {
    return this.ledger.recovered;
  }

  async start(): Promise<void> {
    this.options.queue.on('item-changed', this.onItem);
    await Promise.all(this.ledger.folders().map((folder) => this.run(folder, false)));
  }

  async stop(): Promise<void> {
    this.options.queue.off('item-changed', this.onItem);
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
    await this.ledger.close();
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
    await this.runners.get(id)?.stop();
    this.runners.delete(id);
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
    await runner.stop();
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
    await runner.start();
  }
}
