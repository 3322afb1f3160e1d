import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { QueueItemView } from '../../shared/queue-types.ts';
import type { FolderState, FolderStatus, WatchedFolder } from '../../shared/sync-types.ts';
import { LifecycleScope, type LifecycleFailure } from '../lifecycle-scope.ts';
import type { Clock, Logger } from '../ports.ts';
import type { UploadQueue } from '../queue/upload-queue.ts';
import { FolderHandOver, type HandOverHost } from './folder-handover.ts';
import { entryAfter, isKnown } from './ledger-entries.ts';
import { catchUpScan, scanPart, type ScanHost } from './folder-catch-up.ts';
import { FolderWatch, type FolderWatchHost } from './folder-watch.ts';
import type { WatchEventType, WatchFolder } from './folder-watcher.ts';
import { isFolder } from './folder-errors.ts';
import { IgnoreRules } from './ignore-rules.ts';
import { StabilityChecker, type StableFile } from './stability-checker.ts';
import type { SyncLedger } from './sync-ledger.ts';

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
 *
 * Everything it runs belongs to a LifecycleScope: `life` for the runner's whole life (status
 * events), and `run`, a child of it, from start() to stop() (timers, scans, hand-overs, the
 * watcher). Nothing it starts can fail silently: an unexpected failure is logged and shown among
 * the folder's problems, and stop() closes every part even when one fails.
 */
export class FolderRunner {
  private state: FolderState = 'scanning';
  private readonly watch: FolderWatch;
  private readonly stability: StabilityChecker;
  private readonly ignore: IgnoreRules;
  private ignoredCount = 0;
  private lastActivityAt: number | undefined;
  private readonly problems = new Set<string>();
  /** The last unexpected failure, shown until a rescan succeeds. */
  private failure: string | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private availabilityTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly life: LifecycleScope;
  /** From start() to stop(); undefined while stopped. */
  private run: LifecycleScope | undefined;
  private handOverTo: FolderHandOver | undefined;
  private readonly scanHost: ScanHost;

  constructor(
    public readonly folder: WatchedFolder,
    private readonly deps: FolderRunnerDeps,
    /** First run after the folder was added: decides what "existing files" means. */
    private readonly firstScan: boolean,
  ) {
    this.ignore = new IgnoreRules(folder.ignore);
    this.stability = new StabilityChecker(
      deps.clock,
      folder.stabilityMs,
      (path, file) => this.handOverTo?.add(path, file),
      () => this.statusChanged(),
    );
    this.watch = new FolderWatch(this.watchHost());
    this.scanHost = {
      folder,
      ignore: this.ignore,
      ledger: deps.ledger,
      logger: deps.logger,
      stopped: () => this.stopped,
      consider: (path, file) => this.consider(path, file),
      handOverRoom: () => this.handOverTo?.room() ?? Promise.resolve(),
      problem: (text) => this.problem(text),
      markMissing: (rel) => this.markMissing(rel),
      becomeUnavailable: () => this.becomeUnavailable(),
      changed: () => this.statusChanged(),
    };
    this.life = new LifecycleScope(`folder ${folder.path}`, {
      logger: deps.logger,
      onFailure: (failure) => this.unexpected(failure),
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.folder.paused) return this.setState('paused');
    this.beginRun();
    if (!(await this.rootExists())) return this.becomeUnavailable();
    this.setState('scanning');
    // The scan does not wait for the watcher: on a tree of thousands of folders the watcher takes
    // seconds to be ready, and the first uploads should not. What changes in a folder after the
    // scan passed it and before the watcher covered it is caught by one more scan: once the first
    // one's files are handed over (at once, it met each again: at 100,000 files, twice the work).
    const watching = this.watch.start();
    const scanning = this.rescan(this.firstScan && this.folder.existing === 'skip');
    await watching;
    // A failed scan (its ledger could not be saved) is the folder's problem, shown in its status
    // by the scope; the folder still watches, and the next rescan tries again.
    await scanning.catch(() => undefined);
    if (!this.stopped && this.state === 'scanning') this.setState('watching');
    const again = () => (!this.stopped && this.state === 'watching' ? this.rescan() : undefined);
    void this.handOverTo?.settled().then(() => again()?.catch(() => undefined)); // reported as 'scan'
    this.scheduleReconcile();
    this.scheduleAvailabilityCheck();
  }

  /**
   * The scope of one run, made once per start() (an unavailable folder that comes back starts
   * again inside the same run). Its closers stop the stability checks, the hand-over and the
   * watcher; closing it also waits for a scan or hand-over under way.
   */
  private beginRun(): void {
    if (this.run && !this.run.closed) return;
    const run = this.life.child('run');
    this.run = run;
    run.onClose('watcher', () => this.watch.close());
    run.onClose('stability checks', () => this.stability.stop());
    run.onClose('hand-over', () => this.handOverTo?.clear());
    this.handOverTo = new FolderHandOver(this.handOverHost(), run);
  }

  /**
   * Stops watching, scanning and handing over. Rejects only when a part of this stop failed (a
   * watcher that would not close), after every other part was stopped; earlier failures of its
   * work were reported when they happened and never make it fail.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const run = this.run;
    this.run = undefined;
    await run?.close();
  }

  /** Stops for good (the folder is removed, or the app closes): nothing of it runs afterwards. */
  async close(): Promise<void> {
    this.stopped = true;
    this.run = undefined;
    await this.life.close(); // closes the run as its child
  }

  async pause(): Promise<void> {
    this.folder.paused = true;
    try {
      await this.stop();
    } finally {
      this.setState('paused');
    }
  }

  async resume(): Promise<void> {
    this.folder.paused = false;
    await this.start();
  }

  /** Compares the folder with the ledger; `baseline`: record what is there without uploading it. */
  rescan(baseline = false): Promise<void> {
    if (!this.scanning) {
      this.scanning = catchUpScan(this.scanHost, baseline)
        .then(() => {
          // A whole scan went through: what failed before was caught up with.
          if (this.failure) this.statusChanged();
          this.failure = undefined;
        })
        .finally(() => {
          this.scanning = undefined;
        });
      // Whoever waits on it hears of a failure too; the scope makes sure it is never unheard.
      void (this.run ?? this.life).track('scan', this.scanning);
    }
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
      watchMode: this.watch.mode,
      ...counts,
      waitingForFile: this.stability.waiting,
      ...(this.lastActivityAt && { lastActivityAt: this.lastActivityAt }),
      problems: [
        ...this.problems,
        ...(this.handOverTo?.problem ? [this.handOverTo.problem] : []),
        ...(this.failure ? [this.failure] : []),
      ],
    };
  }

  /** The queue reports on an item that came from this folder. */
  onItem(view: QueueItemView): void {
    const rel = view.origin!.relativePath;
    const entry = this.deps.ledger.get(this.folder.id, rel);
    if (!entry || entry.itemId !== view.id) return;
    const outcome = entryAfter(entry, view);
    if (!outcome) return;
    this.deps.ledger.set(this.folder.id, rel, outcome);
    this.lastActivityAt = this.deps.clock.now();
    this.statusChanged();
  }

  private relativePath(path: string): string {
    return relative(this.folder.path, path).split(sep).join('/');
  }

  private onEvent(type: WatchEventType, path: string): void {
    if (this.state === 'paused' || this.state === 'unavailable') return;
    if (path === this.folder.path && type === 'unlinkDir')
      return void this.task('unavailable', () => this.becomeUnavailable());
    if (type === 'add' || type === 'change') void this.task('file event', () => this.consider(path));
    else if (type === 'touch') void this.task('file event', () => this.touched(path));
    else if (type === 'unlink') this.removed(path);
    else if (type === 'addDir') {
      // Files copied in with a new folder may land before its watch exists: look at them.
      if (this.folder.recursive) void this.task('new folder', () => scanPart(this.scanHost, path, true));
    } else if (type === 'dirChanged')
      void this.task('folder event', () => scanPart(this.scanHost, path, false));
    else if (type === 'unlinkDir') {
      this.stability.forgetUnder(path + sep);
      const prefix = this.relativePath(path) + '/';
      for (const rel of Object.keys(this.deps.ledger.files(this.folder.id)))
        if (rel.startsWith(prefix)) this.markMissing(rel);
    }
  }

  /** Something happened at `path` (a directory watch names the file, not what happened): look. */
  private async touched(path: string): Promise<void> {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      // Gone is what a watch event mostly means; anything else is worth a line, and is handled alike.
      if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR')
        this.deps.logger.warn('watched file cannot be read; noted as missing', { path, code: error.code });
      return undefined;
    });
    if (!info) this.removed(path);
    else if (info.isFile()) await this.consider(path, info);
  }

  private removed(path: string): void {
    this.stability.forget(path);
    this.markMissing(this.relativePath(path));
  }

  /** A deleted local file never deletes the remote asset: the ledger only notes it is gone. */
  private markMissing(rel: string): void {
    const entry = this.deps.ledger.get(this.folder.id, rel);
    if (entry && entry.state !== 'missing')
      this.deps.ledger.set(this.folder.id, rel, { ...entry, state: 'missing' });
    this.statusChanged();
  }

  /** A new or changed file, unless the ledger has exactly it: wait until it is finished.
   * `known`: the caller's stat of the file (a scan's is passed on, never copied). */
  private async consider(path: string, known?: StableFile): Promise<void> {
    // A scan names the relative path and has applied the ignore rules already.
    const rel = known?.rel ?? this.relativePath(path);
    if (!known?.rel && this.ignore.ignores(rel)) return;
    const info =
      known ??
      (await stat(path).then(
        (s) => (s.isFile() ? s : undefined),
        () => undefined, // gone by now (or unreadable: the folder's next scan lists it as a problem)
      ));
    if (!info) return;
    const entry = this.deps.ledger.get(this.folder.id, rel);
    if (isKnown(entry, info)) return;
    // Still in the queue from an earlier version: the queue itself restarts changed files.
    if (entry?.state === 'queued' && entry.itemId && this.deps.queue.stateOf(entry.itemId)) return;
    await this.stability.observe(path, known?.rel ? known : { size: info.size, mtimeMs: info.mtimeMs, rel });
    this.statusChanged();
  }

  /** What the hand-over reads from this runner: live, so pausing or stopping is seen at once. */
  private handOverHost(): HandOverHost {
    const { queue, ledger, clock, logger } = this.deps;
    return {
      folder: this.folder,
      queue,
      ledger,
      clock,
      logger,
      relativePath: (path) => this.relativePath(path),
      accepting: () => !this.stopped && this.state !== 'paused' && this.state !== 'unavailable',
      onItem: (view) => this.onItem(view),
      changed: (handedOver) => {
        if (handedOver) this.lastActivityAt = clock.now();
        this.statusChanged();
      },
    };
  }

  /** What the OS watch reads from this runner. */
  private watchHost(): FolderWatchHost {
    return {
      folder: this.folder,
      ignore: this.ignore,
      watchFolder: this.deps.watchFolder,
      logger: this.deps.logger,
      reconcileIntervalMs: this.deps.reconcileIntervalMs,
      relativePath: (path) => this.relativePath(path),
      onEvent: (type, path) => this.onEvent(type, path),
      problem: (text) => this.problem(text),
      rootExists: () => this.rootExists(),
      becomeUnavailable: () => this.becomeUnavailable(),
      task: (name, work) => void this.task(name, work),
    };
  }

  /** Runs work started by an event as a task of the run: its failure is reported, never unhandled. */
  private task(name: string, work: () => Promise<unknown>): Promise<boolean> {
    return (this.run ?? this.life).run(name, work);
  }

  /** Something the runner started failed unexpectedly: the folder's status says so. */
  private unexpected(failure: LifecycleFailure): void {
    const reason = failure.error instanceof Error ? failure.error.message : String(failure.error);
    this.failure = `Something went wrong (${failure.name}: ${reason}); the next rescan tries again.`;
    this.statusChanged();
  }

  private problem(text: string): void {
    this.problems.add(text);
    this.statusChanged();
  }

  private scheduleReconcile(): void {
    this.run?.clearTimer(this.reconcileTimer);
    if (this.stopped) return;
    // OS watchers drop events under load: a periodic scan catches what they missed.
    this.reconcileTimer = this.run?.setTimeout('reconcile', this.deps.reconcileIntervalMs, async () => {
      // A failed rescan was reported (as 'scan') by the scope; the next one still comes.
      if (this.state === 'watching') await this.rescan().catch(() => undefined);
      this.scheduleReconcile();
    });
  }

  private scheduleAvailabilityCheck(): void {
    this.run?.clearTimer(this.availabilityTimer);
    if (this.stopped) return;
    this.availabilityTimer = this.run?.setTimeout(
      'availability',
      this.deps.availabilityIntervalMs,
      async () => {
        const there = await this.rootExists();
        if (this.stopped) return; // stopped while it looked: it must not start the folder again
        if (!there && this.state !== 'unavailable') await this.becomeUnavailable();
        else if (there && this.state === 'unavailable') {
          this.deps.logger.info('watched folder is back', { folder: this.folder.id });
          await this.start();
          return;
        }
        this.scheduleAvailabilityCheck();
      },
    );
  }

  private async becomeUnavailable(): Promise<void> {
    if (this.state === 'unavailable') return;
    this.setState('unavailable');
    this.stability.stop();
    this.handOverTo?.clear();
    await this.watch.close();
    this.scheduleAvailabilityCheck();
  }

  private rootExists(): Promise<boolean> {
    return isFolder(this.folder.path);
  }

  private setState(state: FolderState): void {
    this.state = state;
    this.statusChanged();
  }

  /** Status events, at most a few per second whatever the churn. */
  private statusChanged(): void {
    if (this.statusTimer) return;
    this.statusTimer = this.life.setTimeout('status', 200, () => {
      this.statusTimer = undefined;
      this.deps.onStatus(this.status());
    });
  }
}
