import { stat } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import type { QueueItemView } from '../../shared/queue-types.ts';
import type { FolderState, FolderStatus, WatchedFolder } from '../../shared/sync-types.ts';
import { detectType, readHeader } from '../media/detect-type.ts';
import type { Clock, Logger } from '../ports.ts';
import type { AddInput, UploadQueue } from '../queue/upload-queue.ts';
import { scanFolder } from './folder-scan.ts';
import type { FolderWatcher, WatchEventType, WatchFolder } from './folder-watcher.ts';
import { IgnoreRules } from './ignore-rules.ts';
import { StabilityChecker, type StableFile } from './stability-checker.ts';
import type { FileEntry, SyncLedger } from './sync-ledger.ts';

export interface FolderRunnerDeps {
  queue: UploadQueue;
  ledger: SyncLedger;
  watchFolder: WatchFolder;
  clock: Clock;
  logger: Logger;
  reconcileIntervalMs: number;
  availabilityIntervalMs: number;
  onStatus: (status: FolderStatus) => void;
}

/**
 * One watched folder at run time: a catch-up scan against its ledger, OS events (or polling),
 * the stability rule, hand-over to the queue, a periodic reconciliation scan, and availability
 * (an unplugged drive makes it `unavailable`, never forgotten).
 */
export class FolderRunner {
  private state: FolderState = 'scanning';
  private watchMode: 'native' | 'polling' = 'native';
  private watcher: FolderWatcher | undefined;
  private readonly stability: StabilityChecker;
  private ignore: IgnoreRules;
  private ignoredCount = 0;
  private lastActivityAt: number | undefined;
  private readonly problems = new Set<string>();
  private reconcileTimer: NodeJS.Timeout | undefined;
  private availabilityTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly outbox = new Map<string, StableFile>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    public folder: WatchedFolder,
    private readonly deps: FolderRunnerDeps,
    /** First run after the folder was added: decides what "existing files" means. */
    private readonly firstScan: boolean,
  ) {
    this.ignore = new IgnoreRules(folder.ignore);
    this.stability = new StabilityChecker(
      deps.clock,
      folder.stabilityMs,
      (path, file) => this.handOver(path, file),
      () => this.statusChanged(),
    );
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.folder.paused) return this.setState('paused');
    if (!(await this.rootExists())) return this.becomeUnavailable();
    this.setState('scanning');
    // The scan does not wait for the watcher: on a tree of thousands of folders the watcher takes
    // seconds to be ready, and the first uploads should not. What changes in a folder after the
    // scan passed it and before the watcher covered it is caught by one more scan right after.
    const watching = this.startWatcher();
    const scanning = this.rescan(this.firstScan && this.folder.existing === 'skip');
    await watching;
    await scanning;
    if (!this.stopped && this.state === 'scanning') this.setState('watching');
    if (!this.stopped && this.state === 'watching') void this.rescan();
    this.scheduleReconcile();
    this.scheduleAvailabilityCheck();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconcileTimer);
    clearTimeout(this.availabilityTimer);
    clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.outbox.clear();
    this.stability.stop();
    await this.watcher?.close();
    this.watcher = undefined;
    await this.scanning;
    await this.flushing;
  }

  async pause(): Promise<void> {
    this.folder.paused = true;
    await this.stop();
    this.setState('paused');
  }

  async resume(): Promise<void> {
    this.folder.paused = false;
    await this.start();
  }

  /** Compares the folder with the ledger; `baseline`: record what is there without uploading it. */
  rescan(baseline = false): Promise<void> {
    this.scanning ??= this.scan(baseline).finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  status(): FolderStatus {
    const tally = this.deps.ledger.counts(this.folder.id);
    const counts = {
      uploaded: tally.uploaded,
      pending: tally.queued,
      failed: tally.failed,
      ignored: this.ignoredCount + tally.ignored,
      seen: tally.queued + tally.uploaded + tally.failed + tally.ignored + tally.skipped,
    };
    return {
      id: this.folder.id,
      path: this.folder.path,
      state: this.state,
      watchMode: this.watchMode,
      ...counts,
      waitingForFile: this.stability.waiting,
      ...(this.lastActivityAt && { lastActivityAt: this.lastActivityAt }),
      problems: [...this.problems],
    };
  }

  /** The queue reports on an item that came from this folder. */
  onItem(view: QueueItemView): void {
    const rel = view.origin!.relativePath;
    const entry = this.deps.ledger.get(this.folder.id, rel);
    if (!entry || entry.itemId !== view.id) return;
    if (view.state === 'ready' || view.state === 'duplicate') {
      const assetId = view.assetId ?? view.duplicateOf?.assetId;
      const replaced =
        entry.assetId && entry.assetId !== assetId
          ? [...(entry.replaced ?? []), entry.assetId]
          : entry.replaced;
      this.deps.ledger.set(this.folder.id, rel, {
        ...entry,
        state: 'uploaded',
        assetId,
        ...(replaced && { replaced }),
      });
    } else if (view.state === 'failed' || view.state === 'canceled') {
      this.deps.ledger.set(this.folder.id, rel, {
        ...entry,
        state: 'failed',
        note: view.error ?? 'canceled',
      });
    } else return;
    this.lastActivityAt = this.deps.clock.now();
    this.statusChanged();
  }

  private relativePath(path: string): string {
    return relative(this.folder.path, path).split(sep).join('/');
  }

  private async startWatcher(): Promise<void> {
    const polling = this.watchMode === 'polling';
    try {
      this.watcher = await this.deps.watchFolder(this.folder.path, {
        recursive: this.folder.recursive,
        polling,
        ignored: (path) => {
          const rel = this.relativePath(path);
          return rel !== '' && this.ignore.ignores(rel);
        },
        ignoreNames: this.ignore.nameSources(),
        onEvent: (type, path) => this.onEvent(type, path),
        onError: (error) => void this.onWatchError(error),
      });
    } catch (error) {
      await this.onWatchError(error as NodeJS.ErrnoException, true);
    }
  }

  /** `starting`: the watcher could not be started at all. */
  private async onWatchError(error: NodeJS.ErrnoException, starting = false): Promise<void> {
    if ((error.code === 'ENOSPC' || error.code === 'EMFILE') && this.watchMode === 'native') {
      // The OS limit on watches was reached: keep working, by polling, and say so.
      this.watchMode = 'polling';
      this.problems.add(
        'The system limit on watched folders was reached; changes are found by polling every 2 s instead.',
      );
      await this.watcher?.close();
      await this.startWatcher();
      this.statusChanged();
      return;
    }
    if (error.code === 'EACCES' || error.code === 'EPERM') {
      this.problems.add(`Permission denied: ${error.path ?? 'a sub-folder'} is skipped.`);
      this.statusChanged();
      return;
    }
    this.deps.logger.warn('watcher error', { folder: this.folder.id, code: error.code });
    if (!(await this.rootExists())) return this.becomeUnavailable();
    if (starting || error.code === 'EWATCHERDIED') {
      // The watcher could not start, or stopped: never leave the folder silently unwatched.
      this.watcher = undefined;
      if (this.watchMode === 'native') {
        this.watchMode = 'polling';
        this.problems.add(
          `Watching stopped (${error.message}); changes are found by polling every 2 s instead.`,
        );
        await this.startWatcher();
      } else
        this.problems.add(
          `Watching stopped (${error.message}); changes are found by the rescan every ${Math.round(this.deps.reconcileIntervalMs / 60_000)} minutes.`,
        );
      this.statusChanged();
    }
  }

  private onEvent(type: WatchEventType, path: string): void {
    if (this.state === 'paused' || this.state === 'unavailable') return;
    if (path === this.folder.path && type === 'unlinkDir') return void this.becomeUnavailable();
    if (type === 'add' || type === 'change') void this.consider(path);
    else if (type === 'touch') void this.touched(path);
    else if (type === 'unlink') this.removed(path);
    else if (type === 'addDir') {
      // Files copied in with a new folder may land before its watch exists: look at them.
      if (this.folder.recursive) void this.scanPart(path, true);
    } else if (type === 'dirChanged') void this.scanPart(path, false);
    else if (type === 'unlinkDir') {
      this.stability.forgetUnder(path + sep);
      const prefix = this.relativePath(path) + '/';
      for (const rel of Object.keys(this.deps.ledger.files(this.folder.id)))
        if (rel.startsWith(prefix)) this.markMissing(rel);
    }
  }

  /** Something happened at `path` (a directory watch names the file, not what happened): look. */
  private async touched(path: string): Promise<void> {
    const info = await stat(path).catch(() => undefined);
    if (!info) this.removed(path);
    else if (info.isFile()) await this.consider(path, info);
  }

  private removed(path: string): void {
    this.stability.forget(path);
    this.markMissing(this.relativePath(path));
  }

  /** Considers the files of one directory (and below, with `recursive`) that the ledger lacks. */
  private async scanPart(dir: string, recursive: boolean): Promise<void> {
    try {
      for await (const file of scanFolder(this.folder.path, {
        from: dir,
        recursive,
        ignored: (rel) => this.ignore.ignores(rel),
        onProblem: () => undefined, // the next full scan reports it
      })) {
        if (this.stopped) return;
        await this.consider(file.path, file); // files the ledger already has are passed over there
      }
    } catch {
      // Gone again already: its removal is its own event.
    }
  }

  /** A deleted local file never deletes the remote asset: the ledger only notes it is gone. */
  private markMissing(rel: string): void {
    const entry = this.deps.ledger.get(this.folder.id, rel);
    if (entry && entry.state !== 'missing')
      this.deps.ledger.set(this.folder.id, rel, { ...entry, state: 'missing' });
    this.statusChanged();
  }

  private isKnown(entry: FileEntry | undefined, file: { size: number; mtimeMs: number }): boolean {
    return !!entry && entry.state !== 'missing' && entry.size === file.size && entry.mtimeMs === file.mtimeMs;
  }

  /**
   * A file appeared or changed: unless the ledger already has exactly this, wait until it is
   * finished. `known`: the file's size and mtime from a stat the caller just made.
   */
  private async consider(path: string, known?: { size: number; mtimeMs: number }): Promise<void> {
    const rel = this.relativePath(path);
    if (this.ignore.ignores(rel)) return;
    const info =
      known ??
      (await stat(path).then(
        (s) => (s.isFile() ? s : undefined),
        () => undefined,
      ));
    if (!info) return;
    const entry = this.deps.ledger.get(this.folder.id, rel);
    if (this.isKnown(entry, info)) return;
    // Still in the queue from an earlier version: the queue itself restarts changed files.
    if (entry?.state === 'queued' && entry.itemId && this.deps.queue.get(entry.itemId)) return;
    await this.stability.observe(path, { size: info.size, mtimeMs: info.mtimeMs });
    this.statusChanged();
  }

  /** Finished files are handed to the queue in batches: one queue write for many files. */
  private handOver(path: string, file: StableFile): void {
    this.outbox.set(path, file);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flushing.then(() => this.flushOutbox());
    }, 100);
  }

  private async flushOutbox(): Promise<void> {
    const batch = [...this.outbox];
    this.outbox.clear();
    if (this.stopped || this.state === 'paused' || this.state === 'unavailable') return;
    const inputs: AddInput[] = [];
    const entries: Array<[string, FileEntry]> = [];
    let sinceYield = 0;
    for (const [path, file] of batch) {
      // A first scan hands over tens of thousands at once: let other work run between slices.
      if (++sinceYield % 500 === 0) await new Promise((r) => setImmediate(r));
      const rel = this.relativePath(path);
      const entry = this.deps.ledger.get(this.folder.id, rel);
      if (this.isKnown(entry, file)) continue;
      const base = {
        size: file.size,
        mtimeMs: file.mtimeMs,
        ...(entry?.assetId && { assetId: entry.assetId }),
        ...(entry?.replaced && { replaced: entry.replaced }),
      };
      const type = await readHeader(path).then(detectType, () => undefined);
      if (!type || !this.folder.kinds.includes(type.kind)) {
        // Sidecar files, documents, kinds the person did not ask for: ignored, never failed.
        this.deps.ledger.set(this.folder.id, rel, {
          ...base,
          state: 'ignored',
          note: type ? `${type.kind} files are not uploaded from this folder` : 'not a media file',
        });
        continue;
      }
      const metadata: Record<string, string> = this.folder.pathMetadata
        ? { source_folder: basename(this.folder.path), relative_path: rel }
        : {};
      const options = {
        ...this.folder.options,
        userMetadata: { ...this.folder.options.userMetadata, ...metadata },
      };
      inputs.push({ kind: 'file', path, options, origin: { folderId: this.folder.id, relativePath: rel } });
      entries.push([rel, { ...base, state: 'queued' }]);
    }
    if (inputs.length > 0) {
      const { added } = await this.deps.queue.add(inputs);
      for (const [i, [rel, entry]] of entries.entries()) {
        const itemId = added[i]!.id;
        this.deps.ledger.set(this.folder.id, rel, { ...entry, itemId });
        // An item may have finished before it was linked here (a duplicate is found within
        // moments, while add() still saves): its news went unheard, so it is read now.
        const now = this.deps.queue.get(itemId);
        if (now && now.state !== 'queued') this.onItem(now);
        if (i % 1_000 === 999) await new Promise((r) => setImmediate(r));
      }
      this.lastActivityAt = this.deps.clock.now();
    }
    this.statusChanged();
  }

  private async scan(baseline: boolean): Promise<void> {
    const seen = new Set<string>();
    try {
      for await (const file of scanFolder(this.folder.path, {
        recursive: this.folder.recursive,
        ignored: (rel) => this.ignore.ignores(rel),
        onProblem: (path, code) => {
          if (path !== this.folder.path)
            this.problems.add(`${path} could not be read (${code}) and is skipped.`);
        },
      })) {
        if (this.stopped) return;
        seen.add(file.relativePath);
        const entry = this.deps.ledger.get(this.folder.id, file.relativePath);
        if (baseline && !entry) {
          this.deps.ledger.set(this.folder.id, file.relativePath, {
            size: file.size,
            mtimeMs: file.mtimeMs,
            state: 'skipped',
            note: 'there before the folder was added',
          });
          continue;
        }
        // Unchanged since last time: not even re-hashed.
        if (this.isKnown(entry, file)) continue;
        await this.consider(file.path, file);
      }
    } catch {
      return this.becomeUnavailable();
    }
    for (const [rel, entry] of Object.entries(this.deps.ledger.files(this.folder.id)))
      if (!seen.has(rel) && entry.state !== 'missing') this.markMissing(rel);
    await this.deps.ledger.commit();
    this.statusChanged();
  }

  private scheduleReconcile(): void {
    clearTimeout(this.reconcileTimer);
    if (this.stopped) return;
    // OS watchers drop events under load: a periodic scan catches what they missed.
    this.reconcileTimer = setTimeout(async () => {
      if (this.state === 'watching') await this.rescan();
      this.scheduleReconcile();
    }, this.deps.reconcileIntervalMs);
  }

  private scheduleAvailabilityCheck(): void {
    clearTimeout(this.availabilityTimer);
    if (this.stopped) return;
    this.availabilityTimer = setTimeout(async () => {
      const there = await this.rootExists();
      if (!there && this.state !== 'unavailable') await this.becomeUnavailable();
      else if (there && this.state === 'unavailable') {
        this.deps.logger.info('watched folder is back', { folder: this.folder.id });
        await this.start();
        return;
      }
      this.scheduleAvailabilityCheck();
    }, this.deps.availabilityIntervalMs);
  }

  private async becomeUnavailable(): Promise<void> {
    if (this.state === 'unavailable') return;
    this.setState('unavailable');
    this.stability.stop();
    await this.watcher?.close();
    this.watcher = undefined;
    this.scheduleAvailabilityCheck();
  }

  private async rootExists(): Promise<boolean> {
    return stat(this.folder.path).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  private setState(state: FolderState): void {
    this.state = state;
    this.statusChanged();
  }

  /** Status events, at most a few per second whatever the churn. */
  private statusChanged(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.deps.onStatus(this.status());
    }, 200);
  }
}
