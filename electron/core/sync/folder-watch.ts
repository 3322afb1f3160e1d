import type { WatchedFolder } from '../../shared/sync-types.ts';
import type { Logger } from '../ports.ts';
import type { FolderWatcher, WatchEventType, WatchFolder } from './folder-watcher.ts';
import type { IgnoreRules } from './ignore-rules.ts';

/** What the OS watch of a folder needs from its runner. */
export interface FolderWatchHost {
  readonly folder: WatchedFolder;
  readonly ignore: IgnoreRules;
  watchFolder: WatchFolder;
  logger: Logger;
  reconcileIntervalMs: number;
  relativePath(path: string): string;
  onEvent(type: WatchEventType, path: string): void;
  /** Something the person should know about this folder (shown among its problems). */
  problem(text: string): void;
  rootExists(): Promise<boolean>;
  becomeUnavailable(): Promise<void>;
  /** Runs work the watcher's error callback starts as a tracked task of the runner. */
  task(name: string, work: () => Promise<unknown>): void;
}

/**
 * The OS watch of one watched folder, with its fallbacks: polling when the system's limit on
 * watches is reached or the watcher dies, and the periodic rescan when even polling stopped.
 * A folder is never left silently unwatched: each fallback is said among the folder's problems.
 */
export class FolderWatch {
  mode: 'native' | 'polling' = 'native';
  private watcher: FolderWatcher | undefined;
  /** Counts starts and closes: a watcher that finished starting after a close is closed at once. */
  private generation = 0;

  constructor(private readonly host: FolderWatchHost) {}

  async start(): Promise<void> {
    const { host } = this;
    const generation = ++this.generation;
    try {
      const watcher = await host.watchFolder(host.folder.path, {
        recursive: host.folder.recursive,
        polling: this.mode === 'polling',
        ignored: (path) => {
          const rel = host.relativePath(path);
          return rel !== '' && host.ignore.ignores(rel);
        },
        ignoreNames: host.ignore.nameSources(),
        onEvent: (type, path) => host.onEvent(type, path),
        onError: (error) => host.task('watcher error', () => this.onError(error)),
      });
      // Stopped (or restarted) while chokidar was getting ready: this one is not wanted any more.
      if (generation !== this.generation) return host.task('late watcher', () => watcher.close());
      this.watcher = watcher;
    } catch (error) {
      if (generation !== this.generation) return;
      await this.onError(error as NodeJS.ErrnoException, true);
    }
  }

  async close(): Promise<void> {
    this.generation++;
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
  }

  /** `starting`: the watcher could not be started at all. */
  private async onError(error: NodeJS.ErrnoException, starting = false): Promise<void> {
    const { host } = this;
    if ((error.code === 'ENOSPC' || error.code === 'EMFILE') && this.mode === 'native') {
      // The OS limit on watches was reached: keep working, by polling, and say so.
      this.mode = 'polling';
      host.problem(
        'The system limit on watched folders was reached; changes are found by polling every 2 s instead.',
      );
      await this.close();
      await this.start();
      return;
    }
    if (error.code === 'EACCES' || error.code === 'EPERM')
      return host.problem(`Permission denied: ${error.path ?? 'a sub-folder'} is skipped.`);
    host.logger.warn('watcher error', { folder: host.folder.id, code: error.code });
    if (!(await host.rootExists())) return host.becomeUnavailable();
    if (starting || error.code === 'EWATCHERDIED') {
      // The watcher could not start, or stopped: never leave the folder silently unwatched.
      this.watcher = undefined;
      if (this.mode === 'native') {
        this.mode = 'polling';
        host.problem(`Watching stopped (${error.message}); changes are found by polling every 2 s instead.`);
        await this.start();
      } else
        host.problem(
          `Watching stopped (${error.message}); changes are found by the rescan every ${Math.round(host.reconcileIntervalMs / 60_000)} minutes.`,
        );
    }
  }
}
