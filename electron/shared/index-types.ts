/**
 * Indexes and indexed assets as the app sees them (twelvelabs-indexes.md §2, camelCase). Shared by
 * the core, the contract, the CLI and the renderer.
 */

/** `marengo3.0` (search, embeddings) and `pegasus1.2` (analysis): the models an index can have. */
export type IndexModelName = 'marengo3.0' | 'pegasus1.2' | (string & {});
export type ModelOption = 'visual' | 'audio';

export interface IndexModel {
  name: IndexModelName;
  options: string[];
}

export interface IndexSummary {
  id: string;
  name: string;
  models: IndexModel[];
  addons?: string[];
  createdAt?: string;
  videoCount?: number;
  totalDuration?: number;
}

/** `pending | queued | indexing | ready | failed`; unknown values pass and are not terminal (§3). */
export type IndexedAssetStatus = 'pending' | 'queued' | 'indexing' | 'ready' | 'failed' | (string & {});

export interface IndexedAssetInfo {
  id: string;
  assetId?: string;
  status?: IndexedAssetStatus;
  createdAt?: string;
  updatedAt?: string;
  indexedAt?: string;
  systemMetadata?: {
    filename?: string;
    duration?: number;
    fps?: number;
    width?: number;
    height?: number;
    size?: number;
  };
}

/** One asset's place in one index: what the Library shows. */
export interface IndexMembership {
  indexId: string;
  indexName?: string;
  indexedAssetId: string;
  status?: IndexedAssetStatus;
}

/** An upload item's indexing, after its asset is ready. */
export interface ItemIndexing {
  indexId: string;
  indexName?: string;
  indexedAssetId?: string;
  status?: IndexedAssetStatus;
  /**
   * When the create request went out, until its answer is saved: a crash or a lost answer after
   * it is resolved by looking at the asset's indexed assets, never by sending it again blindly.
   */
  createStartedAt?: number;
  /** The file passed the model preflight (its container read against the index's models). */
  checked?: boolean;
  /** Why the index's models would refuse the file: it was not uploaded (the person may upload it without indexing). */
  refused?: string;
  /** Why the upload was not indexed although an index was chosen (a document): it ended `ready`. */
  skipped?: string;
}

export const TERMINAL_INDEXED: readonly string[] = ['ready', 'failed'];

/** What "index these assets" did with each (Library). */
export type IndexOutcome =
  | { assetId: string; outcome: 'indexing'; indexedAssetId: string }
  | { assetId: string; outcome: 'already'; indexedAssetId: string }
  | { assetId: string; outcome: 'failed'; message: string };
