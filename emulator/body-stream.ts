import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';

export interface BodyOptions {
  /** Bytes per second at most (0 or undefined: unlimited). Read live, so a change applies at once. */
  bytesPerSecond: () => number | undefined;
  /** Cut the connection once this many body bytes have arrived. */
  dropAfterBytes?: number;
  onBytes: (n: number) => void;
}

/**
 * The request body as handlers see it: counted, optionally throttled (backpressure reaches the
 * client through TCP, as a slow link would), and optionally cut mid-way like a dropped network.
 */
export function instrumentBody(req: IncomingMessage, options: BodyOptions): Transform {
  let received = 0;
  let windowStart = Date.now();
  let windowBytes = 0;
  const body = new Transform({
    highWaterMark: 64 * 1024,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      received += chunk.length;
      options.onBytes(chunk.length);
      if (options.dropAfterBytes !== undefined && received > options.dropAfterBytes) {
        req.socket.destroy();
        body.destroy(new Error('connection dropped by fault injection'));
        return;
      }
      const rate = options.bytesPerSecond();
      if (!rate) return done(null, chunk);
      const now = Date.now();
      if (now - windowStart > 1000) {
        windowStart = now;
        windowBytes = 0;
      }
      windowBytes += chunk.length;
      const due = windowStart + (windowBytes / rate) * 1000;
      const wait = due - now;
      if (wait > 0) setTimeout(() => done(null, chunk), wait);
      else done(null, chunk);
    },
  });
  req.on('close', () => {
    if (!req.complete) body.destroy(new Error('request aborted'));
  });
  req.on('error', (err) => body.destroy(err));
  // A handler that answers without reading the body (a used presigned URL after its client left)
  // never listens to it: a client gone mid-body is then no one's error, not a crash.
  body.on('error', () => undefined);
  req.pipe(body);
  return body;
}
