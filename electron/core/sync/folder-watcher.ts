/**
 * `touch`: something happened to the file at this path (created, written, removed, renamed): the
 * receiver looks. `dirChanged`: something happened in this directory, names unknown.
 */
export type WatchEventType = 'add' | 'change' | 'unlink' | 'touch' | 'addDir' | 'unlinkDir' | 'dirChanged';

export interface FolderWatcherOptions {
  recursive: boolean;
  polling: boolean;
  /** Paths (absolute) not to report. */
  ignored: (path: string) => boolean;
  /** Name patterns (regular expression sources) a watcher may skip without descending. */
  ignoreNames?: string[];
  onEvent: (type: WatchEventType, path: string) => void;
  onError: (error: NodeJS.ErrnoException) => void;
}

export interface FolderWatcher {
  close(): Promise<void>;
}

/** The port: the app uses chokidar; tests could use anything that reports file events. */
export type WatchFolder = (root: string, options: FolderWatcherOptions) => Promise<FolderWatcher>;
