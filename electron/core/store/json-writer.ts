import { open, rename, rm } from 'node:fs/promises';

/** Entries serialised between two pauses for the event loop. */
const BATCH = 500;
/**
 * Characters written at a time, at most (give or take an entry): a string past 128 KB lives
 * among V8's large objects, freed only by a full collection, and each save of a 100,000-item
 * queue made a few hundred of them (~30 MB of a first scan's peak memory).
 */
const PIECE_CHARS = 32 * 1024;

/**
 * Writes a document as JSON without one giant `JSON.stringify`: containers are walked and their
 * entries serialised a few hundred at a time, yielding to the event loop between batches, and
 * streamed to a temporary file that then replaces the document (atomic rename). Each entry is
 * serialised whole, so every entry in the file is consistent; entries changed during the write
 * are marked dirty by their owner and written again by the next save.
 *
 * Which containers are walked: the document and its top-level values, and below them any object
 * or array of more than BATCH entries, however deep (a folder's ledger of 100,000 files sits two
 * levels down, in a top-level object of one entry; serialised in one piece it stalled the loop
 * for 90 ms).
 */
export async function writeJsonAtomically(path: string, data: Record<string, unknown>): Promise<number> {
  const tmp = temporaryPath(path);
  const file = await open(tmp, 'w', 0o600); // the person's data: their user only
  let buffer = '';
  let sinceYield = 0;
  /** Characters written: the size of the document, near enough (for journal compaction). */
  let written = 0;
  const drain = async () => {
    // writeFile, not write: it writes until all is written (write() may take only part of it).
    if (buffer) await file.writeFile(buffer);
    written += buffer.length;
    buffer = '';
  };
  /**
   * After each entry: a promise only at the end of a batch. An entry that goes on needs no
   * promise of its own (one per entry of a 100,000-item queue was garbage for the GC).
   */
  const counted = (): Promise<void> | undefined => {
    if (++sinceYield < BATCH) return buffer.length < PIECE_CHARS ? undefined : drain();
    sinceYield = 0;
    return drain().then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  };
  const write = (value: unknown, depth: number): Promise<void> | undefined => {
    const walk = value !== null && typeof value === 'object' && (depth < 2 || size(value) > BATCH);
    if (walk) return walkContainer(value, depth);
    buffer += JSON.stringify(value) ?? 'null';
    return counted();
  };
  const walkContainer = async (value: object, depth: number): Promise<void> => {
    if (Array.isArray(value)) {
      buffer += '[';
      for (let i = 0; i < value.length; i++) {
        if (i) buffer += ',';
        const pending = write(value[i] ?? null, depth + 1);
        if (pending) await pending;
      }
      buffer += ']';
      return;
    }
    buffer += '{';
    let first = true;
    const record = value as Record<string, unknown>;
    // Keys only: Object.entries of 100,000 entries builds 100,000 pairs in one go.
    for (const key of Object.keys(record)) {
      const entry = record[key];
      if (entry === undefined || typeof entry === 'function') continue;
      buffer += `${first ? '' : ','}${JSON.stringify(key)}:`;
      first = false;
      const pending = write(entry, depth + 1);
      if (pending) await pending;
    }
    buffer += '}';
  };
  try {
    await write(data, 0);
    if (buffer) await file.writeFile(buffer);
    written += buffer.length;
    // On disk before it replaces the old one: after a power cut, the rename may otherwise land
    // before the bytes, leaving an empty document next to a journal already started afresh.
    await file.sync();
    await file.close();
    await rename(tmp, path);
  } catch (error) {
    await file.close().catch(() => undefined); // may be closed already; the write's error (rethrown) is what counts
    // A cut temporary file would hold on to the space of a full disk, and pile up after crashes.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  return written;
}

/** Temporary files named by this process so far (temporaryPath). */
let tempFiles = 0;

/**
 * A temporary file next to `path`, unique per write, not only per process: two stores of one
 * document in this process (a core closing while the next opens the same data folder) wrote one
 * temporary file, and the second rename failed with ENOENT. `<pid>-<n>`: the pid still tells a
 * later load whose leftover it is (conf-document-store.ts removes other processes' only).
 */
export function temporaryPath(path: string): string {
  return `${path}.${process.pid}-${++tempFiles}.tmp`;
}

function size(value: object): number {
  if (Array.isArray(value)) return value.length;
  let n = 0;
  for (const key in value) if (Object.hasOwn(value, key) && ++n > BATCH) break;
  return n;
}
