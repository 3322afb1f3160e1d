import { subscribe } from 'node:diagnostics_channel';
import { connect as tcpConnect, type Socket } from 'node:net';
import { buildConnector } from 'undici';
import type { Logger } from '../ports.ts';

/** The TCP connection under each TLS socket resettableConnector made: what a reset must reach. */
const tcpUnder = new WeakMap<Socket, Socket>();

/**
 * undici's own connector, but a TLS connection is laid over a TCP socket made here, so that it can
 * be reset (resetConnection). Node gives no way to reset the TCP connection inside a TLS socket it
 * made itself: resetting the handle under the TLS wrap leaves the socket never closing. Plain
 * HTTP and a TLS connection through a proxy's tunnel (`httpSocket`) go to undici's connector as is.
 */
export function resettableConnector(options: buildConnector.BuildOptions = {}): buildConnector.connector {
  const base = buildConnector(options);
  return (opts, callback) => {
    if (opts.protocol !== 'https:' || opts.httpSocket) return base(opts, callback);
    const tcp = tcpConnect({
      host: opts.hostname,
      port: Number(opts.port) || 443,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    // undici's connector times the whole connect (TCP and TLS) and hears the TCP socket's errors
    // through the TLS socket laid over it.
    base({ ...opts, httpSocket: tcp }, (...args) => {
      if (args[0] === null) tcpUnder.set(args[1], tcp);
      else tcp.destroy();
      callback(...args);
    });
  };
}

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
 * so a canceled part went on arriving at the storage for seconds. A reset drops it. A TLS socket
 * is reset through the TCP socket under it (resettableConnector); one that connector did not make
 * (a tunnel through a proxy, a dispatcher passed in) is only destroyed.
 */
function resetConnection(socket: Socket, logger: Logger): void {
  try {
    const tcp = tcpUnder.get(socket);
    if (tcp) {
      tcp.resetAndDestroy();
      socket.destroy();
    } else if ('encrypted' in socket) socket.destroy();
    else socket.resetAndDestroy();
  } catch (error) {
    logger.debug('an upload connection could not be reset; closed instead', { error });
    socket.destroy();
  }
}
