import type { MediaKind, UploadOptions } from './domain.ts';
import type { ItemIndexing } from './index-types.ts';

/**
 * An upload item's lifecycle (DESIGN.md): queued → preparing → uploading → finalizing →
 * processing → ready, with the side exits below. Shared with the renderer, which only reads it.
 */
export type ItemState =
  | 'queued'
  | 'preparing'
  | 'uploading'
  | 'finalizing'
  | 'processing'
  | 'ready'
  | 'waiting'
  | 'paused'
  | 'canceled'
  | 'failed'
  | 'duplicate'
  | 'source-missing'
  /** The asset is ready and being indexed into the chosen index (issue 17). */
  | 'indexing'
  /** Ready and indexed: searchable. */
  | 'indexed'
  /** Ready, but the index refused it or could not index it (`error` says which). */
  | 'index-failed';

/** What each state allows lives in one table (item-state.ts); these lists are read from it. */
export { ACTIVE_STATES, FINISHED_STATES } from './item-state.ts';

/** Why an item waits: shown to the person as is, with the time of the next try. */
export interface WaitReason {
  code: 'offline' | 'rate-limited' | 'server' | 'auth' | 'source-changed';
  message: string;
  /** Epoch ms of the next try (absent for `auth`: it waits for a new key). */
  resumeAt?: number;
}

export type ItemSource = { kind: 'file'; path: string } | { kind: 'url'; url: string };

export interface QueueItemView {
  id: string;
  source: ItemSource;
  /** What the person sees: the upload's filename. */
  name: string;
  options: UploadOptions;
  state: ItemState;
  wait?: WaitReason;
  /** Why it failed, in words a person can act on. */
  error?: string;
  /** False when trying again cannot help: the file itself is refused (its type, size, length). */
  retryable?: boolean;
  addedAt: number;
  updatedAt: number;
  finishedAt?: number;
  kind?: MediaKind;
  size?: number;
  sha256?: string;
  method?: 'direct' | 'multipart' | 'url';
  assetId?: string;
  duplicateOf?: { assetId?: string; itemId?: string };
  /** Where a watched-folder item came from. */
  origin?: { folderId: string; relativePath: string };
  /** The index chosen for it, and how indexing goes once the asset is ready. */
  indexing?: ItemIndexing;
  /** Confirmed bytes (monotonic), only while transferring; 100 % only once the platform has the asset. */
  progress?: { sentBytes: number; totalBytes: number; bytesPerSecond: number };
}

export interface QueueTotals {
  byState: Partial<Record<ItemState, number>>;
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
  /** Seconds, from confirmed bytes and the smoothed speed; absent when unknown. */
  etaSeconds?: number;
  paused: boolean;
  /** When a timed "pause all" ends (ms since epoch). */
  pausedUntil?: number;
  /** Set while the API key is refused: the whole queue waits for a new key. */
  blockedByAuth: boolean;
  /** Items "Retry all" would try again (failed but retryable, or their file missing). */
  retryable?: number;
}

export interface HistoryEntry {
  itemId: string;
  name: string;
  state: ItemState;
  assetId?: string;
  size?: number;
  finishedAt: number;
  error?: string;
}
