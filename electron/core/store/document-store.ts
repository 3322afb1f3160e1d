import type { JournalShape } from './journal.ts';

/** A value inside a document, by its path of keys, as it is now; `removed` when it was deleted. */
export interface DocumentChange {
  path: string[];
  value?: unknown;
  removed?: true;
}

/** What a store found on disk. Nothing in it is validated yet: the document's schema does that. */
export interface LoadedDocument {
  data: Record<string, unknown>;
  /** What was wrong with the file itself (not JSON, cut short, bad journal lines), in words. */
  problems?: string[];
  /** A file was there (even an empty or damaged one): a document with none of its fields is damage. */
  existed?: boolean;
}

/**
 * The store port: one JSON document per concern (queue, ledger, library, settings), loaded once
 * and saved whole, or, where the store keeps a journal, saved by the values that changed.
 * Everything runs on conf's file layout (ConfDocumentStore); tests can use the in-memory one.
 */
export interface DocumentStore {
  readonly name: string;
  /** Where it is kept on disk, when it is (a ConfDocumentStore's `<dir>/<name>.json`). */
  readonly path?: string;
  /** The saved data; `shape` says which paths its journal may name (journal.ts). */
  load(shape?: JournalShape): LoadedDocument;
  /** May be asynchronous: big documents are written without blocking the event loop. */
  save(data: Record<string, unknown>): void | Promise<void>;
  /**
   * Optional: records changed values without rewriting the document (an append-only journal,
   * applied over the last save at load and folded in by the next save). With 100,000 queue items
   * a whole save is tens of MB; a state change is a few hundred bytes.
   */
  append?(changes: DocumentChange[]): Promise<void>;
  /** Whether the next write must be a whole save (no journal to append to, or it grew long). */
  wantsSave?(): boolean;
  /** Optional: whether the saved files were deleted or replaced by someone else since we wrote them. */
  changedOnDisk?(): boolean;
  /**
   * Optional: keeps a copy of the document as it is on disk (and its journal) under a dated name,
   * before a repaired version replaces it; returns that name. Called when loading found damage.
   */
  keepDamagedCopy?(): string | undefined;
}

export class MemoryDocumentStore implements DocumentStore {
  private data: Record<string, unknown> = {};
  writes = 0;
  constructor(readonly name = 'memory') {}
  load() {
    return { data: structuredClone(this.data) };
  }
  save(data: Record<string, unknown>) {
    this.writes++;
    this.data = structuredClone(data);
  }
}
