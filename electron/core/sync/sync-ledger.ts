import type { WatchedFolder } from '../../shared/sync-types.ts';
import type { DocumentStore } from '../store/document-store.ts';
import { emptyMap } from '../store/document-schema.ts';
import { PersistedDocument } from '../store/persisted-document.ts';
import { syncSchema, type SyncData } from './sync-schema.ts';

export type FileEntryState = 'queued' | 'uploaded' | 'failed' | 'ignored' | 'skipped' | 'missing';

/** What the app knows of one file in a watched folder: relative path → this. */
export interface FileEntry {
  size: number;
  mtimeMs: number;
  state: FileEntryState;
  itemId?: string;
  assetId?: string;
  /** Assets earlier versions of this path became: an overwrite makes a new asset, the old one stays. */
  replaced?: string[];
  /** Why it is ignored or failed. */
  note?: string;
}

/** How many files of a folder are in each state. */
export type LedgerCounts = Record<FileEntryState, number>;

/**
 * Watched folders and their per-file ledgers, in one document. Entries are replaced, never edited
 * in place (`set`), which is what keeps the per-state counts exact without walking the ledger: a
 * folder of 100,000 files is counted once, then kept up to date.
 */
export class SyncLedger {
  private readonly doc: PersistedDocument<SyncData>;
  private readonly tallies = new Map<string, LedgerCounts>();

  constructor(store: DocumentStore) {
    // Checked at load (sync-schema.ts); the maps of files have null prototypes, so a file named
    // `constructor` or `__proto__` in a watched folder is only a name.
    this.doc = new PersistedDocument<SyncData>(store, syncSchema, 1_000);
  }

  get recovered(): string | undefined {
    return this.doc.recovered;
  }

  folders(): WatchedFolder[] {
    return this.doc.data.folders;
  }

  saveFolder(folder: WatchedFolder): Promise<void> {
    const list = this.doc.data.folders;
    const index = list.findIndex((f) => f.id === folder.id);
    if (index >= 0) list[index] = folder;
    else list.push(folder);
    this.doc.data.files[folder.id] ??= emptyMap();
    return this.doc.commit();
  }

  removeFolder(id: string): Promise<void> {
    this.doc.data.folders = this.doc.data.folders.filter((f) => f.id !== id);
    delete this.doc.data.files[id];
    this.tallies.delete(id);
    return this.doc.commit();
  }

  files(folderId: string): Record<string, FileEntry> {
    return (this.doc.data.files[folderId] ??= emptyMap());
  }

  get(folderId: string, relativePath: string): FileEntry | undefined {
    return this.files(folderId)[relativePath];
  }

  set(folderId: string, relativePath: string, entry: FileEntry): void {
    const files = this.files(folderId);
    const tally = this.tallies.get(folderId);
    if (tally) {
      const before = files[relativePath];
      if (before) tally[before.state]--;
      tally[entry.state]++;
    }
    files[relativePath] = entry;
    this.doc.changedAt('files', folderId, relativePath);
  }

  counts(folderId: string): Readonly<LedgerCounts> {
    let tally = this.tallies.get(folderId);
    if (!tally) {
      tally = { queued: 0, uploaded: 0, failed: 0, ignored: 0, skipped: 0, missing: 0 };
      for (const entry of Object.values(this.files(folderId))) tally[entry.state]++;
      this.tallies.set(folderId, tally);
    }
    return tally;
  }

  /** Saves the entries set so far. */
  commit(): Promise<void> {
    return this.doc.commitChanges();
  }

  close(): Promise<void> {
    return this.doc.close();
  }
}
