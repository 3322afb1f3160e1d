import type { MediaKind, UploadOptions } from './domain.ts';

export interface WatchedFolderSettings {
  recursive: boolean;
  kinds: MediaKind[];
  /** Glob patterns; a pattern without "/" matches the file name anywhere. */
  ignore: string[];
  /** Upload files already there when the folder is added, or only files that appear later. */
  existing: 'upload' | 'skip';
  options: UploadOptions;
  /** Add `source_folder` and `relative_path` to each asset's user metadata. */
  pathMetadata: boolean;
  /** A file is handed over once its size and mtime held still across two checks this far apart. */
  stabilityMs: number;
}

export interface WatchedFolder extends WatchedFolderSettings {
  id: string;
  path: string;
  paused: boolean;
  addedAt: number;
}

export type FolderState = 'scanning' | 'watching' | 'paused' | 'unavailable';

export interface FolderStatus {
  id: string;
  path: string;
  state: FolderState;
  /** How changes are noticed: OS events, or polling when the OS watch limit was reached. */
  watchMode: 'native' | 'polling';
  seen: number;
  uploaded: number;
  pending: number;
  failed: number;
  ignored: number;
  /** Files still being written: not handed over yet. */
  waitingForFile: number;
  lastActivityAt?: number;
  /** Sub-folders that could not be read, the watch limit, and the like: reported, not fatal. */
  problems: string[];
}

export const DEFAULT_IGNORE = [
  '.*',
  '*.tmp',
  '*.part',
  '*.crdownload',
  '*.download',
  '~$*',
  '.DS_Store',
  'Thumbs.db',
  'desktop.ini',
];

/** What watching a folder would upload, counted before it is added (folders:preview). */
export interface FolderPreview {
  /** The media files of the kinds asked for, which a first scan would upload. */
  files: number;
  bytes: number;
  byKind: Partial<Record<MediaKind, { files: number; bytes: number }>>;
  /** Files left alone: matched an ignore pattern, not media, or a kind not asked for. */
  skipped: number;
  /** Sub-folders that could not be read. */
  unreadable: number;
  /** False when counting stopped at its time limit: the figures are then "at least". */
  complete: boolean;
}

export const DEFAULT_FOLDER_SETTINGS: WatchedFolderSettings = {
  recursive: true,
  // Documents are asked for, never assumed: the .txt and .md notes that sit beside media (shot
  // lists, READMEs) would otherwise become assets of their own the moment a folder is added.
  kinds: ['video', 'audio', 'image'],
  ignore: DEFAULT_IGNORE,
  existing: 'upload',
  options: {},
  pathMetadata: true,
  stabilityMs: 3_000,
};
