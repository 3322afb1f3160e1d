export type WatchEventType = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface FolderWatcherOptions {
  recursive: boolean;
  polling: boolean;
  /** Paths (absolute) not to watch at all. */
  ignored: (path: string) => boolean;
  onEvent: (type: WatchEventType, path: string) => void;
  onError: (error: NodeJS.ErrnoException) => void;
}

export interface FolderWatcher {
  close(): Promise<void>;
}

/** The port: the app uses chokidar; tests could use anything that reports file events. */
export type WatchFolder = (root: string, options: FolderWatcherOptions) => Promise<FolderWatcher>;
