/**
 * The store port: one JSON document per concern (queue, ledger, library, settings), loaded once
 * and saved whole. The Electron app backs it with electron-store, everything else with conf;
 * tests can use the in-memory one.
 */
export interface DocumentStore {
  readonly name: string;
  /** The saved data. `recovered` explains when a damaged file was set aside and we started empty. */
  load(): { data: Record<string, unknown>; recovered?: string };
  /** May be asynchronous: big documents are written without blocking the event loop. */
  save(data: Record<string, unknown>): void | Promise<void>;
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
