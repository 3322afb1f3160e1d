/** A value inside a document, by its path of keys, as it is now; `removed` when it was deleted. */
export interface DocumentChange {
  path: string[];
  value?: unknown;
  removed?: true;
}

/**
 * The store port: one JSON document per concern (queue, ledger, library, settings), loaded once
 * and saved whole, or, where the store keeps a journal, saved by the values that changed.
 * Everything runs on conf (ConfDocumentStore); tests can use the in-memory one.
 */
export interface DocumentStore {
  readonly name: string;
  /** The saved data. `recovered` explains when a damaged file was set aside and we started empty. */
  load(): { data: Record<string, unknown>; recovered?: string };
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
