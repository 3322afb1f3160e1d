import { open, stat, type FileHandle } from 'node:fs/promises';
import { SourceChangedError } from './errors.ts';

/** What the file looked like when it was checked; a difference means it changed. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
}

/**
 * Bytes per read. Large enough that the per-read cost (a thread-pool round trip and a promise)
 * stays small next to the copy; one read per MiB.
 */
const READ_SIZE = 1024 * 1024;

/**
 * Chunks shorter than this are copied before they are handed out (only a range's last chunk can
 * be): comfortably above a socket's high-water mark (16 KiB in Node 20, 64 KiB from Node 22), so
 * a chunk that shares a buffer is always one the writer waits for.
 */
const SHARED_CHUNK_MIN = 256 * 1024;

/**
 * Read buffers left by finished ranges, for the next one. A multipart upload opens a range per
 * chunk; a fresh 1 MiB buffer each time left dozens of MiB to the garbage collector.
 */
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 8;

/**
 * The bytes `[start, start + length)` of a file, failing if the file no longer has them, or (with
 * `expected`) if it was modified while they were read: a file rewritten during an upload must not
 * arrive half old, half new. The check runs before the last byte is handed over, so the request
 * fails instead of completing.
 *
 * Every chunk is a view of ONE buffer that the next read overwrites, so a consumer must be done
 * with a chunk before it asks for the next. The HTTP writer is: undici writes each chunk to the
 * socket and, when `write()` answers false, waits for 'drain' (everything flushed to the kernel)
 * before it pulls again. `write()` answers false whenever a chunk at least the socket's
 * high-water mark is still queued, so every chunk but the last fills the whole buffer (short reads
 * are topped up), and a short last chunk is a copy (SHARED_CHUNK_MIN). Two buffers take turns
 * (one being sent, the next piece being read into the other); when the range ends they go back to
 * a small pool for the next range.
 * Reusing buffers is what keeps an upload's memory flat and its CPU low: a fresh 1 MiB buffer per
 * read cost about twice the system time (page faults on new memory) and, with four chunk uploads
 * at once, tens of MiB of garbage waiting for the collector.
 */
export async function* fileRange(
  path: string,
  start: number,
  length: number,
  expected?: FileIdentity,
): AsyncGenerator<Buffer> {
  if (length === 0) return;
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw unreadable(error);
  }
  // Two buffers: while the socket takes one, the next piece of the file is read into the other,
  // so the connection never waits for the disk between pieces (what curl gets by reading small
  // pieces synchronously).
  const buffers = [takeBuffer(), takeBuffer()];
  const fill = async (buffer: Buffer, offset: number): Promise<number> => {
    const want = Math.min(buffer.length, length - offset);
    let filled = 0;
    while (filled < want) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, filled, want - filled, start + offset + filled));
      } catch (error) {
        throw unreadable(error);
      }
      if (bytesRead === 0) throw new SourceChangedError('The file changed size while it was being uploaded.');
      filled += bytesRead;
    }
    return filled;
  };
  /** The read in progress; awaited before its buffer can be handed out or given back. */
  let reading: Promise<number> = fill(buffers[0]!, 0);
  let settled = false;
  try {
    let done = 0;
    let current = 0;
    while (done < length) {
      const filled = await reading;
      const buffer = buffers[current]!;
      done += filled;
      if (done < length) {
        // The other buffer's last chunk was consumed before this one was asked for: free to fill.
        current = 1 - current;
        reading = fill(buffers[current]!, done);
        reading.catch(() => undefined); // surfaced when awaited
      } else {
        settled = true;
        if (expected) await assertUnchanged(path, expected);
      }
      const chunk = buffer.subarray(0, filled);
      yield filled < SHARED_CHUNK_MIN ? Buffer.from(chunk) : chunk;
    }
  } finally {
    // A read still running when the consumer stopped must end before its buffer is reused.
    if (!settled) await reading.catch(() => undefined);
    for (const buffer of buffers) if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
    await handle.close();
  }
}

function takeBuffer(): Buffer {
  return spareBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_SIZE);
}

async function assertUnchanged(path: string, expected: FileIdentity): Promise<void> {
  const now = await stat(path).catch(() => undefined); // said as the error below
  if (!now) throw new SourceChangedError('The file was moved or deleted while it was being uploaded.');
  if (now.size !== expected.size || now.mtimeMs !== expected.mtimeMs)
    throw new SourceChangedError('The file was modified while it was being uploaded.');
}

function unreadable(error: unknown): SourceChangedError {
  const code = (error as NodeJS.ErrnoException).code;
  return new SourceChangedError(
    code === 'ENOENT'
      ? 'The file was moved or deleted while it was being uploaded.'
      : `The file could not be read (${code}).`,
  );
}
