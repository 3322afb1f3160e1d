/** Shares upload bandwidth: every transfer asks before sending bytes (bandwidth.ts). */
export interface BandwidthLimiter {
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

export interface CountedBodyHooks {
  /** Called with the cumulative bytes the socket took in this attempt. */
  onBytes?: (sent: number) => void;
  limiter?: BandwidthLimiter;
  signal?: AbortSignal;
  /** The body's length, for `onLastPiece`. */
  length?: number;
  /** Called as the piece that completes `length` is handed over, before it is written. */
  onLastPiece?: () => void;
}

/**
 * The most handed to the socket at once. Progress, and with it the stall watchdog, moves only when
 * the socket has taken a whole piece: at 256 KiB a link must fall below ~4 KB/s before a moving
 * upload could look stalled (60 s). Whole 1 MiB chunks were ~4% faster on loopback, but would
 * call a 17 KB/s link stalled. Small pieces also keep a bandwidth limit smooth.
 */
const PIECE = 256 * 1024;

/**
 * Equal pieces of at most PIECE: never a small remainder, because a chunk may be a view of a
 * reused buffer (fileRange) and only pieces above the socket's high-water mark make the writer
 * wait for the socket before the buffer is read into again.
 */
function pieceSize(length: number): number {
  return Math.ceil(length / Math.ceil(length / PIECE));
}

/**
 * Passes a body through, counting a chunk once the consumer asks for the next one (the HTTP writer
 * asks only after the socket took the previous chunk), so progress is what the socket took, not
 * what was read ahead. Chunks are cut into equal pieces (PIECE); with a bandwidth limiter each
 * piece waits for its share.
 */
export async function* countedBody(
  source: AsyncIterable<Uint8Array>,
  hooks: CountedBodyHooks,
): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for await (const chunk of source) {
    const step = pieceSize(chunk.length);
    for (let offset = 0; offset < chunk.length; offset += step) {
      const piece = chunk.subarray(offset, offset + step);
      if (hooks.limiter) await hooks.limiter.take(piece.length, hooks.signal);
      if (hooks.length !== undefined && sent + piece.length >= hooks.length) hooks.onLastPiece?.();
      yield piece;
      sent += piece.length;
      hooks.onBytes?.(sent);
    }
  }
}
