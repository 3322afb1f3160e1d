import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SourceChangedError } from './errors.ts';

/** Shares upload bandwidth: every transfer asks before sending bytes (bandwidth.ts). */
export interface BandwidthLimiter {
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

export interface CountedBodyHooks {
  /** Called with the cumulative bytes handed to the socket in this attempt. */
  onBytes?: (sent: number) => void;
  limiter?: BandwidthLimiter;
  signal?: AbortSignal;
}

/**
 * Passes a body through, counting bytes as undici pulls them (so progress is what the socket
 * takes, not what we read ahead), and asking the bandwidth limiter before each piece.
 */
export async function* countedBody(
  source: AsyncIterable<Uint8Array>,
  hooks: CountedBodyHooks,
): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for await (const chunk of source) {
    // Pieces of at most 256 KiB keep the limiter smooth and progress events fine-grained.
    for (let offset = 0; offset < chunk.length; offset += 256 * 1024) {
      const piece = chunk.subarray(offset, offset + 256 * 1024);
      if (hooks.limiter) await hooks.limiter.take(piece.length, hooks.signal);
      yield piece;
      sent += piece.length;
      hooks.onBytes?.(sent);
    }
  }
}

/** What the file looked like when it was checked; a difference means it changed. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
}

/**
 * The bytes `[start, start + length)` of a file, failing if the file no longer has them, or (with
 * `expected`) if it was modified while they were read: a file rewritten during an upload must not
 * arrive half old, half new. The check runs before the last byte is handed over, so the request
 * fails instead of completing.
 */
export async function* fileRange(
  path: string,
  start: number,
  length: number,
  expected?: FileIdentity,
): AsyncGenerator<Buffer> {
  if (length === 0) return;
  let read = 0;
  let last: Buffer | undefined;
  const stream = createReadStream(path, { start, end: start + length - 1, highWaterMark: 1024 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (last) yield last;
      last = chunk;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SourceChangedError(
      code === 'ENOENT'
        ? 'The file was moved or deleted while it was being uploaded.'
        : `The file could not be read (${code}).`,
    );
  }
  if (read !== length) throw new SourceChangedError('The file changed size while it was being uploaded.');
  if (expected) {
    const now = await stat(path).catch(() => undefined);
    if (!now) throw new SourceChangedError('The file was moved or deleted while it was being uploaded.');
    if (now.size !== expected.size || now.mtimeMs !== expected.mtimeMs)
      throw new SourceChangedError('The file was modified while it was being uploaded.');
  }
  if (last) yield last;
}
