import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { realpath } from 'node:fs/promises';
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
import { defaultLogger, systemClock, type Clock, type Logger } from '../ports.ts';
import type { UploadQueue } from '../queue/upload-queue.ts';
import type { DocumentStore } from '../store/document-store.ts';
import { chokidarWatchFolder } from './chokidar-folder-watcher.ts';
import { existingFolder, FolderError } from './folder-errors.ts';
import { checkWatchable, excludeFromScans, makeEventFilter } from './folder-guards.ts';
import { PREVIEW_BUDGET_MS, previewFolder } from './folder-preview.ts';
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
  /** The app's data folder: never watched, never scanned (folder-guards.ts). */
  dataDir?: string;
  /**
   * How long adding a folder waits for its first scan before it answers (default: the preview's
   * time limit); a huge tree goes on being scanned in the background, its status says so.
   */
  addBudgetMs?: number;
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
  /** Saved folders the guards refuse (folder-guards.ts), with the status that says why. */
  private readonly refused = new Map<string, FolderStatus>();
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
    this.scope = new LifecycleScope('watched folders', { logger: options.logger ?? defaultLogger });
    this.scope.onClose('ledger', () => this.ledger.close());
    if (options.dataDir) this.scope.onClose('data folder exclusion', excludeFromScans(options.dataDir));
  }

  get recovered(): string | undefined {
    return this.ledger.recovered;
  }

  async start(): Promise<void> {
    this.options.queue.on('item-changed', this.onItem);
    this.scope.onClose('queue listener', () => this.options.queue.off('item-changed', this.onItem));
    const allowed = await Promise.all(this.ledger.folders().map((folder) => this.allowedAtStart(folder)));
    await Promise.all(this.ledger.folders().map((folder, i) => allowed[i] && this.run(folder, false)));
  }

  /**
   * A folder saved before the guards existed (the whole disk, the home folder, one holding the
   * data folder) is not started: its status says why, and removing it is what the person can do.
   */
  private async allowedAtStart(folder: WatchedFolder): Promise<boolean> {
    const problem = await checkWatchable(folder.path, { dataDir: this.options.dataDir }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    if (!problem) return true;
    (this.options.logger ?? defaultLogger).warn('a watched folder is refused and not started', {
      folder: folder.id,
      problem,
    });
    const counts = { seen: 0, uploaded: 0, pending: 0, failed: 0, ignored: 0, waitingForFile: 0 };
    this.refused.set(folder.id, {
      id: folder.id,
      path: folder.path,
      state: 'paused',
      watchMode: 'native',
      ...counts,
      problems: [`Not watched: ${problem}`],
    });
    return false;
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
    return [...[...this.runners.values()].map((r) => r.status()), ...this.refused.values()];
  }

  async addFolder(path: string, settings: Partial<WatchedFolderSettings> = {}): Promise<WatchedFolder> {
    const absolute = await existingFolder(path);
    const real = await checkWatchable(absolute, { dataDir: this.options.dataDir });
    for (const other of this.ledger.folders()) {
      // By the paths as given and by their real paths: a symlink to a watched folder is that folder.
      const otherReal = await realpath(other.path).catch(() => other.path);
      for (const [mine, theirs] of [
        [absolute, other.path],
        [real, otherReal],
      ] as const) {
        if (theirs === mine)
          throw new FolderError(
            `${absolute} is already watched${other.path === absolute ? '' : ` (as ${other.path})`}.`,
          );
        if (mine.startsWith(theirs + sep) && other.recursive)
          throw new FolderError(
            `${absolute} is inside ${other.path}, which is already watched with its sub-folders.`,
          );
        if (theirs.startsWith(mine + sep))
          throw new FolderError(
            `${other.path}, inside ${absolute}, is already watched: remove it first, or watch a different folder.`,
          );
      }
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
    // Answers once the first scan is done or the time limit is up, whichever comes first: on a
    // huge tree the scan goes on in the background (status "scanning"), as the preview said.
    // Not tracked by the scope: closing must not wait for a watch that is still being set up
    // (the runner closes it when it arrives); a failure is logged.
    const running = this.run(folder, true).catch((error: unknown) =>
      (this.options.logger ?? defaultLogger).warn('a watched folder did not start', {
        folder: folder.id,
        error: (error as Error).message,
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise((r) => (timer = setTimeout(r, this.options.addBudgetMs ?? PREVIEW_BUDGET_MS)));
    await Promise.race([running, budget]).finally(() => clearTimeout(timer));
    return { ...folder };
  }

  /** What adding `path` with `settings` would upload at once (folder-preview.ts). */
  async preview(path: string, settings: Partial<WatchedFolderSettings> = {}): Promise<FolderPreview> {
    // A folder that cannot be added says so before anything is counted.
    await checkWatchable(await existingFolder(path), { dataDir: this.options.dataDir });
    return previewFolder(path, settings);
  }

  async removeFolder(id: string): Promise<void> {
    this.refused.delete(id);
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
    const refused = this.refused.get(id)?.problems[0];
    if (!runner) throw new FolderError(refused ?? 'There is no watched folder with that id.');
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
      (this.options.logger ?? defaultLogger).warn('a watched folder did not close cleanly', {
        folder: id,
        error: (error as Error).message,
      }),
    );
  }

  /** The watcher, with events from inside the data folder dropped (even through a symlink). */
  private guardedWatch(): WatchFolder {
    const watch = this.options.watchFolder ?? chokidarWatchFolder;
    if (!this.options.dataDir) return watch;
    return (root, options) => {
      const excluded = makeEventFilter();
      return watch(root, { ...options, ignored: (path) => excluded(path) || options.ignored(path) });
    };
  }

  private async run(folder: WatchedFolder, firstScan: boolean): Promise<void> {
    const runner = new FolderRunner(
      folder,
      {
        queue: this.options.queue,
        ledger: this.ledger,
        watchFolder: this.guardedWatch(),
        clock: this.options.clock ?? systemClock,
        logger: this.options.logger ?? defaultLogger,
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
