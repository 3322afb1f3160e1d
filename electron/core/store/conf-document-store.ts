import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../file-modes.ts';
import type { DocumentChange, DocumentStore, LoadedDocument } from './document-store.ts';
import {
  applyChanges,
  encodeSome,
  GENERATION_KEY,
  readJournal,
  startJournal,
  type JournalShape,
} from './journal.ts';
import { writeJsonAtomically } from './json-writer.ts';
import { salvageJson } from './salvage.ts';

/**
 * A journal longer than this plus JOURNAL_PER_DOCUMENT_BYTE times the document's own size is
 * folded into a whole save: loading replays it, so it must stay within a small multiple of the
 * document, yet long enough that a big document is rewritten rarely (every ~20,000 changes of a
 * 100,000-item queue). Twice the document, not once: a queue or ledger growing by a first scan
 * of 100,000 files was saved whole at 4, 12 and 28 MB, the main thread's largest cost of the
 * scan; at twice, at 4 and 16 MB. Loading then replays at most twice the document.
 */
const JOURNAL_SLACK_BYTES = 4 * 1024 * 1024;
const JOURNAL_PER_DOCUMENT_BYTE = 2;
/**
 * What one write may append past that slack (up to 5,000 changed entries: persisted-document.ts).
 * A journal longer than its limit + this was not written by us whole: only that much of
 * it is read, so that 100 MB of junk cannot stall the start.
 */
const JOURNAL_BATCH_MARGIN_BYTES = 32 * 1024 * 1024;
/** Changes encoded between two pauses for the event loop. */
const APPEND_SLICE = 500;
/** Characters of journal lines written at a time (well under V8's 128 KB large-object size). */
const APPEND_PIECE_CHARS = 32 * 1024;

/**
 * A document in `<dir>/<name>.json` (conf's layout and format: conf/electron-store read the same
 * file), with a journal of changed values in `<dir>/<name>.journal` (journal.ts). The file is read
 * once at load, by us rather than through conf: conf turns `null`, `[]` or a string into an empty
 * document without a word, and we must tell damage from an empty queue. Saves write the same file,
 * atomically and in batches.
 */
export class ConfDocumentStore implements DocumentStore {
  /** Generation of the last save; the journal continues it. */
  private generation = 0;
  /** Whether the journal on disk continues the last save, so changes may be appended to it. */
  private journalReady = false;
  private journalBytes = 0;
  private documentBytes = 0;
  /**
   * The document and journal as we last wrote or read them: a file deleted or replaced under the
   * running app (by a person, a sync tool, a restore) is noticed at the next write, which is then
   * a whole save. Appending to a journal whose document is gone, or to a journal recreated
   * without its header, would write changes that can never be read back.
   */
  private documentFile: FileIdentity | undefined;
  private journalInode: number | undefined;

  constructor(
    private readonly dir: string,
    readonly name: string,
  ) {}

  get path(): string {
    return join(this.dir, `${this.name}.json`);
  }

  private get journalPath(): string {
    return join(this.dir, `${this.name}.journal`);
  }

  /**
   * The document with its journal applied. A file that is not a JSON object is not given up:
   * what can still be read of it is kept (salvage.ts), and the journal's whole lines are applied
   * over it. `problems` says what was wrong; the owner's schema then checks every entry.
   */
  load(shape?: JournalShape): LoadedDocument {
    this.removeLeftovers();
    const problems: string[] = [];
    let text: string | undefined;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') problems.push(`${this.name}.json could not be read (${code ?? String(error)})`);
    }
    let data: Record<string, unknown> = {};
    /** The generation the document continues; undefined when unknown (damaged or missing). */
    let generation: number | undefined;
    if (text !== undefined) {
      const parsed = parseJson(text);
      if (parsed.ok && isObject(parsed.value)) {
        data = parsed.value;
        const saved = data[GENERATION_KEY];
        // No generation: not written by a save of ours (replaced, or hand-made), so a journal
        // next to it cannot be told stale and is applied.
        if (typeof saved === 'number') generation = saved;
      } else {
        const salvaged = parsed.ok ? undefined : salvageJson(text, partialAllowed(shape));
        problems.push(`${this.name}.json ${unreadable(text, parsed)}`);
        data = salvaged ?? {};
      }
      delete data[GENERATION_KEY];
    }
    this.generation = generation ?? 0;
    this.documentBytes = text === undefined ? 0 : Buffer.byteLength(text);
    this.documentFile = identity(this.path);
    this.journalInode = identity(this.journalPath)?.ino;
    this.journalReady = false;
    if (isDirectory(this.journalPath))
      problems.push(`${this.name}.journal is a folder, not a journal: it was moved aside`);
    // Bounded only next to a sound document: with the document lost, the journal is all there is.
    const journalLimit =
      generation === undefined ? Infinity : this.journalLimitBytes() + JOURNAL_BATCH_MARGIN_BYTES;
    const journal = readJournal(this.journalPath, generation, shape, journalLimit);
    if (journal) {
      applyChanges(data, journal.changes, shape);
      // A torn journal is not continued: the first write is a whole save with a new journal.
      this.journalReady = journal.intact && problems.length === 0 && generation !== undefined;
      this.journalBytes = journal.bytes;
      if (journal.unread > 0)
        problems.push(
          `${this.name}.journal was ${megabytes(journal.bytes)}, far longer than its journal ever grows: only its first ${megabytes(journal.bytes - journal.unread)} were read`,
        );
      if (journal.badHeader) problems.push(`${this.name}.journal was damaged (its first line is unreadable)`);
      if (journal.unreadable)
        problems.push(
          `${this.name}.journal could not be read (${journal.unreadable}): changes made since the last full save are lost`,
        );
      if (journal.rejected > 0)
        problems.push(
          `${journal.rejected} line${journal.rejected === 1 ? '' : 's'} of ${this.name}.journal could not be used (unreadable, or naming something that is not part of the document)`,
        );
      // A journal is only ever started after a save of its document: the document was lost.
      if (text === undefined)
        problems.push(
          `${this.name}.json was missing; ${journal.changes.length} change${journal.changes.length === 1 ? ' was' : 's were'} recovered from its journal`,
        );
    } else if (generation !== undefined && generation > 0 && !existsSync(this.journalPath))
      // Every save starts a journal right after the document, atomically: none at all means it
      // was lost, and with it whatever changed since that save.
      problems.push(`${this.name}.journal was missing: changes made since the last full save are lost`);
    return { data, problems, existed: text !== undefined };
  }

  /**
   * Temporary files of a save cut short by a crash (`<name>.json.<pid>-<n>.tmp`, the journal's
   * the same; `<pid>` alone before): the data folder is ours alone (data-dir-lock.ts), so another
   * process's found at load are leftovers, never a save under way.
   */
  private removeLeftovers(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return; // no folder yet
    }
    const prefixes = [`${this.name}.json.`, `${this.name}.journal.`];
    for (const name of names) {
      const prefix = prefixes.find((p) => name.startsWith(p));
      // Never this process's own: another store of the same document may be saving right now.
      const pid = prefix && /^(\d+)(?:-\d+)?\.tmp$/.exec(name.slice(prefix.length))?.[1];
      if (pid && Number(pid) !== process.pid) rmSync(join(this.dir, name), { force: true });
    }
  }

  /**
   * Copies the document and its journal as they are on disk to `<name>.damaged-<time>.json` and
   * `.journal`, for inspection, before a repaired document replaces them. A copy, not a move:
   * until the repaired document is saved, the damaged one must still be there to salvage again.
   */
  keepDamagedCopy(): string | undefined {
    this.journalReady = false;
    const stamp = new Date().toISOString().replace(/:/g, '-');
    let kept: string | undefined;
    for (const [from, extension] of [
      [this.path, 'json'],
      [this.journalPath, 'journal'],
    ] as const) {
      if (!existsSync(from)) continue;
      const to = join(this.dir, `${this.name}.damaged-${stamp}.${extension}`);
      try {
        // A folder where the file should be would make every save fail: it is moved, not copied.
        if (isDirectory(from)) renameSync(from, to);
        else {
          copyFileSync(from, to);
          chmodSync(to, PRIVATE_FILE_MODE); // a copy takes its source's mode, which may be open
        }
        kept ??= to;
      } catch {
        // No space left, or no permission: the message says no copy was kept; the repaired save
        // is still tried, and reports its own failure.
      }
    }
    return kept;
  }

  /**
   * conf's own setter re-reads and re-parses the file and writes synchronously; for documents of
   * thousands of items that stalls the event loop. We write the same file conf reads, atomically
   * and in batches (json-writer.ts), then start an empty journal for the new generation.
   */
  async save(data: Record<string, unknown>): Promise<void> {
    const next = this.generation + 1;
    this.journalReady = false;
    // Made again if it was deleted under the running app: private, as ensurePrivateDir makes it.
    mkdirSync(this.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    this.documentBytes = await writeJsonAtomically(this.path, { ...data, [GENERATION_KEY]: next });
    this.documentFile = identity(this.path);
    this.generation = next;
    this.journalBytes = await startJournal(this.journalPath, next);
    this.journalInode = identity(this.journalPath)?.ino;
    this.journalReady = true;
  }

  /**
   * Appends in slices, yielding between them: a first scan marks tens of thousands of entries at
   * once, and encoding them in one go stalled the event loop for a quarter second.
   */
  async append(changes: DocumentChange[]): Promise<void> {
    if (!this.journalReady) throw new Error(`${this.name}: no journal to append to; save first`);
    // Opened once for the batch, not once per piece (open, write and close each a round trip).
    const journal = await open(this.journalPath, 'a', 0o600);
    try {
      let sinceYield = 0;
      for (let from = 0; from < changes.length;) {
        const { text, next } = encodeSome(changes, from, APPEND_PIECE_CHARS);
        await journal.appendFile(text); // all of it (write() may take only part of a piece)
        this.journalBytes += Buffer.byteLength(text);
        sinceYield += next - from;
        from = next;
        if (sinceYield >= APPEND_SLICE && from < changes.length) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      await journal.close();
    }
  }

  wantsSave(): boolean {
    return !this.journalReady || this.journalBytes > this.journalLimitBytes() || !this.filesAreOurs();
  }

  /** How long the journal may grow before it is folded into a whole save. */
  private journalLimitBytes(): number {
    return JOURNAL_SLACK_BYTES + JOURNAL_PER_DOCUMENT_BYTE * this.documentBytes;
  }

  /** A document we had on disk was deleted or replaced under us: close() saves it again. */
  changedOnDisk(): boolean {
    return this.documentFile !== undefined && !this.filesAreOurs();
  }

  /** Whether the document and its journal on disk are still the ones we wrote (two stats). */
  private filesAreOurs(): boolean {
    const document = identity(this.path);
    const journal = identity(this.journalPath);
    const ours =
      document !== undefined &&
      this.documentFile !== undefined &&
      document.ino === this.documentFile.ino &&
      document.size === this.documentFile.size &&
      document.mtimeMs === this.documentFile.mtimeMs &&
      journal !== undefined &&
      journal.ino === this.journalInode &&
      journal.size === this.journalBytes;
    if (!ours) this.journalReady = false;
    return ours;
  }
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

function identity(path: string): FileIdentity | undefined {
  try {
    const { ino, size, mtimeMs } = statSync(path);
    return { ino, size, mtimeMs };
  } catch {
    return undefined; // missing (or unreadable): not the file we wrote
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false }; // the caller salvages what it can and says the file was damaged
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing or unreadable: at least no folder in the way
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Why a file is not a document, in words. */
function unreadable(text: string, parsed: { ok: true; value: unknown } | { ok: false }): string {
  if (!text.trim()) return 'was empty';
  if (!parsed.ok) return 'was damaged (cut short, or not JSON)';
  if (parsed.value === null) return 'held `null` instead of a document';
  if (Array.isArray(parsed.value)) return 'held a list instead of a document';
  return `held a ${typeof parsed.value} instead of a document`;
}

/**
 * Which containers of a damaged file may be kept cut short: the document's maps of entries (above
 * the depth its journal names), never an entry itself (salvage.ts says why).
 */
function partialAllowed(shape: JournalShape | undefined): (path: readonly string[]) => boolean {
  return (path) => {
    const top = path[0];
    if (top === undefined) return true;
    const depth = shape && Object.hasOwn(shape, top) ? shape[top]! : 1;
    return path.length < (depth === 0 ? 2 : depth);
  };
}
