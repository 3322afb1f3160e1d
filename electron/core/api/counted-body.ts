import { createReadStream } from 'node:fs';
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

/**
 * The bytes `[start, start + length)` of a file, failing if the file no longer has them: a file
 * that shrinks or grows while it is sent must not be uploaded half old, half new.
 */
export async function* fileRange(path: string, start: number, length: number): AsyncGenerator<Buffer> {
  if (length === 0) return;
  let read = 0;
  const stream = createReadStream(path, { start, end: start + length - 1, highWaterMark: 1024 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      yield chunk;
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
}
