import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from '../ports.ts';

/** Where each streamed body's connection is reported, keyed by the body undici was handed. */
const connectionOf = new WeakMap<object, (socket: Socket) => void>();
let listening = false;

/**
 * Learns the socket that carries a streamed body (undici says so as it sends the headers; its
 * request keeps the very body object it was given), and resets that socket when `signal` aborts
 * while the body is on it. `release()` once the call is over: the socket then goes back to the
 * pool for other requests and must not be reset by a later abort.
 */
export function watchConnection(body: object, signal: AbortSignal, logger: Logger): { release(): void } {
  if (!listening) {
    listening = true;
    subscribe('undici:client:sendHeaders', (message) => {
      const { request, socket } = message as { request: { body?: unknown }; socket: Socket };
      if (typeof request.body === 'object' && request.body !== null) connectionOf.get(request.body)?.(socket);
    });
  }
  let socket: Socket | undefined;
  connectionOf.set(body, (s) => (socket = s));
  const onAbort = () => {
    if (socket) resetConnection(socket, logger);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    release() {
      signal.removeEventListener('abort', onAbort);
      connectionOf.delete(body);
      socket = undefined;
    },
  };
}

/**
 * Closes a connection with a reset (RST) rather than the orderly close undici does on abort: an
 * orderly close lets the kernel deliver everything it still buffers (megabytes on a fast link),
 * so a canceled part went on arriving at the storage for seconds. A reset drops it. A TLS socket's
 * TCP connection sits under its TLS wrap (Node keeps it as the wrap's `_parent`); where neither is
 * reachable the socket is only destroyed.
 */
function resetConnection(socket: Socket, logger: Logger): void {
  try {
    if (socket instanceof TLSSocket) {
      const tcp = (socket as unknown as { _handle?: { _parent?: { reset?: (done: () => void) => number } } })
        ._handle?._parent;
      tcp?.reset?.(() => undefined);
      socket.destroy();
    } else socket.resetAndDestroy();
  } catch (error) {
    logger.debug('an upload connection could not be reset; closed instead', { error });
    socket.destroy();
  }
}
