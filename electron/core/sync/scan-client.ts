import { Worker } from 'node:worker_threads';
import { HEADER_BYTES, type FileHead } from '../media/detect-type.ts';

/** One batch of a scan: files in the order listed, with what the walk met on the way. */
export interface ScanBatch {
  paths: string[];
  /** With "/" separators, relative to the scan's root. */
  rels: string[];
  sizes: Float64Array;
  mtimes: Float64Array;
  /** Folders or files that could not be read, with the error code. */
  problems: Array<[path: string, code: string]>;
  /** Entries left out by the ignore rules (an ignored folder counts once). */
  ignored: number;
}

export interface ScanRequest {
  root: string;
  start: string;
  realStart: string;
  recursive: boolean;
  /** IgnoreRules.nameSources() and pathSources(). */
  names: string[];
  paths: string[];
  /** folder-guards.ts excludedFolders() and excludedIdentities(). */
  excluded: string[];
  excludedIds: string[];
}

type Reply =
  | ({ type: 'files'; done: boolean; paths: string; rels: string } & Omit<ScanBatch, 'paths' | 'rels'>)
  | { type: 'failed'; code?: string; message: string }
  | { type: 'heads'; lengths: Int32Array; codes: Array<string | null>; bytes: ArrayBuffer };

/** An idle thread is ended after this long: a watched folder rescans every few minutes at most. */
const IDLE_MS = 5_000;

/**
 * The scan worker (scan-worker.mjs): one thread for the process, started on first use, ended when
 * idle. It keeps the process alive only while someone waits on it. A thread that dies fails what
 * waits on it with an error that says so (the folder's status shows it; the next scan starts a
 * new thread).
 */
class ScanThread {
  private worker: Worker | undefined;
  private lastId = 0;
  private readonly waiting = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private idleTimer: NodeJS.Timeout | undefined;

  newId(): number {
    return ++this.lastId;
  }

  /** Sends a request and waits for its answer (one answer per request). */
  ask(id: number, message: Record<string, unknown>): Promise<Reply> {
    clearTimeout(this.idleTimer);
    const worker = (this.worker ??= this.spawn());
    if (this.waiting.size === 0) worker.ref();
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }

  /** Sends a request that has no answer. */
  tell(id: number, message: Record<string, unknown>): void {
    this.worker?.postMessage({ ...message, id });
  }

  /** Gives the thread back a buffer it sent, to read the next heads into (moved, not copied). */
  giveBack(bytes: ArrayBuffer): void {
    if (bytes.byteLength > 0) this.worker?.postMessage({ op: 'spare', bytes }, [bytes]);
  }

  private spawn(): Worker {
    // Spelt out literally: the desktop build points this URL at the file unpacked next to the asar.
    // Plain JavaScript: without the parent's flags (a TS loader under tsx or vitest took the
    // thread ~1 s to start on a loaded machine, the wait for a first scan's first files).
    // Its young generation small: what it allocates lives for one batch, and every megabyte of
    // it is resident memory of the app.
    const worker = new Worker(new URL('./scan-worker.mjs', import.meta.url), {
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    worker.unref();
    worker.on('message', (reply: Reply & { id: number }) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      this.idleIfDone();
      waiter?.resolve(reply);
    });
    const died = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const waiters = [...this.waiting.values()];
      this.waiting.clear();
      for (const waiter of waiters) waiter.reject(error);
    };
    worker.on('error', (error) => died(new Error(`The folder scan thread failed: ${error.message}`)));
    worker.on('exit', (code) => died(new Error(`The folder scan thread stopped (exit code ${code}).`)));
    return worker;
  }

  private idleIfDone(): void {
    if (this.waiting.size > 0) return;
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    worker?.unref();
    this.idleTimer = setTimeout(() => {
      if (this.worker !== worker || this.waiting.size > 0) return;
      this.worker = undefined;
      void worker?.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }
}

const thread = new ScanThread();

/**
 * Lists a tree in the scan thread, a batch at a time. The next batch is asked for as soon as one
 * arrives, so the thread lists while the caller works on the last one; a caller that stops early
 * (break, return) cancels the rest. Throws, with its code, when the start cannot be read.
 */
export async function* scanInThread(request: ScanRequest): AsyncGenerator<ScanBatch> {
  const id = thread.newId();
  let next: Promise<Reply> | undefined = thread.ask(id, { op: 'scan', ...request });
  try {
    while (next) {
      const reply = await next;
      next = undefined;
      if (reply.type === 'failed')
        throw Object.assign(new Error(reply.message), { code: reply.code, path: request.start });
      if (reply.type !== 'files') throw new Error(`The folder scan thread answered ${reply.type} to a scan.`);
      if (!reply.done) next = thread.ask(id, { op: 'next' });
      // Joined by NUL, which no path contains (one string crosses threads far cheaper than many).
      const paths = reply.paths === '' ? [] : reply.paths.split('\0');
      const rels = reply.rels === '' ? [] : reply.rels.split('\0');
      yield { ...reply, paths, rels };
    }
  } finally {
    if (next) {
      thread.tell(id, { op: 'cancel' });
      // Its answer may still come: nobody waits on it, and a failure of it says nothing new.
      next.catch(() => undefined);
    }
  }
}

/** What readHeadsInThread gives `decide` for each file asked for: its head, or why it has none. */
export type HeadOrError = FileHead | NodeJS.ErrnoException;

/**
 * Reads the head of each file in the scan thread and passes it to `decide`, in order; the answers
 * are `decide`'s (undefined where no file was asked for). The heads' bytes are lent for the call
 * only: the buffer then goes back to the thread for the next heads, so `decide` keeps what the
 * bytes say, never the bytes (copy them if they must outlive it).
 */
export async function readHeadsInThread<T>(
  files: Array<[path: string, size: number] | undefined>,
  decide: (head: HeadOrError, path: string) => T,
): Promise<Array<T | undefined>> {
  const asked = files.flatMap((file, i) => (file ? [i] : []));
  const answers: Array<T | undefined> = new Array(files.length);
  if (asked.length === 0) return answers;
  const reply = await thread.ask(thread.newId(), {
    op: 'heads',
    headBytes: HEADER_BYTES,
    // Joined by NUL, which no path contains: one string crosses threads far cheaper than many.
    paths: asked.map((i) => files[i]![0]).join('\0'),
  });
  if (reply.type !== 'heads') throw new Error(`The folder scan thread answered ${reply.type} to heads.`);
  const all = Buffer.from(reply.bytes);
  const stride = HEADER_BYTES;
  try {
    for (const [k, i] of asked.entries()) {
      const [path, size] = files[i]!;
      const code = reply.codes[k];
      const head: HeadOrError = code
        ? Object.assign(new Error(`${code}: the head of ${path} could not be read`), { code, path })
        : // A file that grew after the stat: what was read is there, so the size is at least that.
          {
            bytes: all.subarray(k * stride, k * stride + reply.lengths[k]!),
            size: Math.max(size, reply.lengths[k]!),
          };
      answers[i] = decide(head, path);
    }
  } finally {
    thread.giveBack(reply.bytes);
  }
  return answers;
}
