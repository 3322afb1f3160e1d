import type { DocumentStore } from '../store/document-store.ts';
import { PersistedDocument } from '../store/persisted-document.ts';
import { ledgerSchema, type LedgerData } from './item-schema.ts';

export interface LedgerEntry {
  assetId: string;
  name: string;
  size: number;
  uploadedAt: number;
}

/**
 * Content identity → asset: what makes re-adds, renames and restarts upload nothing twice.
 * Shared by the queue, watched folders and the library (which forgets deleted assets).
 */
export class UploadLedger {
  private readonly doc: PersistedDocument<LedgerData>;

  constructor(store: DocumentStore) {
    this.doc = new PersistedDocument<LedgerData>(store, ledgerSchema);
  }

  get recovered(): string | undefined {
    return this.doc.recovered;
  }

  find(sha256: string): LedgerEntry | undefined {
    return this.doc.data.byHash[sha256];
  }

  record(sha256: string, entry: LedgerEntry): Promise<void> {
    this.doc.data.byHash[sha256] = entry;
    this.doc.changedAt('byHash', sha256);
    return this.doc.commitChanges();
  }

  forgetAsset(assetId: string): void {
    for (const [hash, entry] of Object.entries(this.doc.data.byHash))
      if (entry.assetId === assetId) {
        delete this.doc.data.byHash[hash];
        this.doc.changedAt('byHash', hash);
      }
  }

  knowsAsset(assetId: string): boolean {
    return Object.values(this.doc.data.byHash).some((e) => e.assetId === assetId);
  }

  close(): Promise<void> {
    return this.doc.close();
  }
}
