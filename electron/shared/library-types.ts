import type { AssetDetail, MediaKind } from './domain.ts';

/** An asset as the library shows it: the platform's detail plus what the app knows locally. */
export interface LibraryAsset extends AssetDetail {
  /** A delete is waiting for the network. */
  deleting?: boolean;
  /** The platform refused to delete it (409): indexed assets reference it. */
  deleteBlocked?: { message: string; references: number };
  /** The cached thumbnail file, when it has been downloaded. */
  thumbnailPath?: string;
}

export interface Provenance {
  sourcePath?: string;
  sha256?: string;
  watchedFolder?: string;
  uploadedAt?: number;
}

export interface LibraryQuery {
  types?: Array<MediaKind | 'document'>;
  statuses?: string[];
  /** Case-insensitive substring of the filename. */
  filename?: string;
  /** created_at range, epoch ms. */
  from?: number;
  to?: number;
  sort?: { by: 'date' | 'name' | 'size' | 'duration'; direction: 'asc' | 'desc' };
  offset?: number;
  limit?: number;
}

export interface LibraryPage {
  items: LibraryAsset[];
  total: number;
  lastSyncedAt?: number;
  online: boolean;
}

export interface LibraryState {
  online: boolean;
  syncing: boolean;
  lastSyncedAt?: number;
  lastFullSyncAt?: number;
  assetCount: number;
  pendingDeletes: number;
  /** The last sync problem, in words. */
  problem?: string;
}

export type DeleteOutcome =
  | { id: string; outcome: 'deleted' }
  | { id: string; outcome: 'pending' }
  | { id: string; outcome: 'blocked'; message: string; references: number }
  | { id: string; outcome: 'failed'; message: string };
