import { existsSync, renameSync, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import Conf from 'conf';
import type { DocumentChange, DocumentStore } from './document-store.ts';
import { applyChanges, encodeChanges, GENERATION_KEY, readJournal, startJournal } from './journal.ts';
import { writeJsonAtomically } from './json-writer.ts';

/**
 * A journal longer than this plus the document's own size is folded into a whole save: loading
 * replays it, so it must stay short next to the document, yet long enough that a big document
 * is rewritten rarely (every ~10,000 changes of a 100,000-item queue).
 */
const JOURNAL_SLACK_BYTES = 4 * 1024 * 1024;
/** Changes encoded between two pauses for the event loop. */
const APPEND_SLICE = 500;

/**
 * A document in `<dir>/<name>.json` through conf, with a journal of changed values in
 * `<dir>/<name>.journal` (journal.ts). conf re-reads the file on every `get`, so the document is
 * read once at load; saves write the same file conf reads, atomically and in batches.
 */
export class ConfDocumentStore implements DocumentStore {
  private conf: Conf<Record<string, unknown>> | undefined;
  /** Generation of the last save; the journal continues it. */
  private generation = 0;
  /** Whether the journal on disk continues the last save, so changes may be appended to it. */
  private journalReady = false;
  private journalBytes = 0;
  private documentBytes = 0;

  constructor(
    private readonly dir: string,
    readonly name: string,
  ) {}

  private open(): Conf<Record<string, unknown>> {
    this.conf ??= new Conf({
      cwd: this.dir,
      configName: this.name,
      projectName: 'tl-uploader',
      watch: false,
    });
    return this.conf;
  }

  private get journalPath(): string {
    return join(this.dir, `${this.name}.journal`);
  }

  load(): { data: Record<string, unknown>; recovered?: string } {
    let data: Record<string, unknown>;
    try {
      data = { ...this.open().store };
    } catch (error) {
      // A damaged file is kept for inspection, never silently overwritten; its journal with it.
      this.conf = undefined;
      const path = join(this.dir, `${this.name}.json`);
      const aside = `${path}.corrupt-${Date.now()}`;
      renameSync(path, aside);
      if (existsSync(this.journalPath)) renameSync(this.journalPath, `${aside}.journal`);
      return {
        data: { ...this.open().store },
        recovered: `${this.name}.json could not be read (${(error as Error).message.split('\n')[0]}); it was moved to ${aside} and an empty ${this.name} was started.`,
      };
    }
    const generation = data[GENERATION_KEY];
    delete data[GENERATION_KEY];
    this.generation = typeof generation === 'number' ? generation : 0;
    this.documentBytes = existsSync(this.open().path) ? statSync(this.open().path).size : 0;
    const journal = readJournal(this.journalPath, this.generation);
    if (journal) {
      applyChanges(data, journal.changes);
      // A torn journal is not continued: the first write is a whole save with a new journal.
      this.journalReady = journal.intact;
      this.journalBytes = journal.bytes;
    }
    return { data };
  }

  /**
   * conf's own setter re-reads and re-parses the file and writes synchronously; for documents of
   * thousands of items that stalls the event loop. We write the same file conf reads, atomically
   * and in batches (json-writer.ts), then start an empty journal for the new generation.
   */
  async save(data: Record<string, unknown>): Promise<void> {
    const next = this.generation + 1;
    this.journalReady = false;
    this.documentBytes = await writeJsonAtomically(this.open().path, { ...data, [GENERATION_KEY]: next });
    this.generation = next;
    this.journalBytes = await startJournal(this.journalPath, next);
    this.journalReady = true;
  }

  /**
   * Appends in slices, yielding between them: a first scan marks tens of thousands of entries at
   * once, and encoding them in one go stalled the event loop for a quarter second.
   */
  async append(changes: DocumentChange[]): Promise<void> {
    if (!this.journalReady) throw new Error(`${this.name}: no journal to append to; save first`);
    for (let from = 0; from < changes.length; from += APPEND_SLICE) {
      if (from > 0) await new Promise((resolve) => setImmediate(resolve));
      const text = encodeChanges(changes.slice(from, from + APPEND_SLICE));
      await appendFile(this.journalPath, text, { mode: 0o600 });
      this.journalBytes += Buffer.byteLength(text);
    }
  }

  wantsSave(): boolean {
    return !this.journalReady || this.journalBytes > JOURNAL_SLACK_BYTES + this.documentBytes;
  }
}
