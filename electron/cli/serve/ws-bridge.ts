import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isCommandName, InvalidRequestError, type CommandError } from '../../shared/contract.ts';
import { frontEndEvents } from '../../core/front-end-events.ts';
import type { UploaderCore } from '../../core/uploader-core.ts';
import type { Access } from './access.ts';
import { WS_PROTOCOL } from './access.ts';
import { InvalidMessage, MAX_MESSAGE_BYTES, parseBoundedJson } from './bounded-json.ts';
import type { LogLimiter } from './log-limiter.ts';
import { parseTarget, RequestRefused, targetForLog } from './request-target.ts';

/** Commands one page may have running at once; more is a page gone wrong, not a person. */
const MAX_IN_FLIGHT = 64;
/** A page that stops reading its events is cut off (it reconnects) rather than grow our memory. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

type Reply = { ok: true; value: unknown } | { ok: false; error: CommandError };

/**
 * The contract over a WebSocket at /ws. The upgrade passes the same checks as any request (our
 * Host, our Origin, same-origin fetch, the token in the subprotocol or a Bearer header). Every
 * socket has an error listener (ws reports bad frames — invalid UTF-8, reserved opcodes, unmasked
 * or over-long frames, bad close codes — as errors, and closes the socket), messages are bounded
 * (1 MiB, 32 levels), and any message that is not `{id?, command, payload?}` is answered with
 * `invalid-request`, echoing the id only when it is a string or a number.
 */
export class WsBridge {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });

  constructor(
    private readonly core: UploaderCore,
    private readonly access: Access,
    private readonly log: LogLimiter,
  ) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.log.warn(`serve: WebSocket connection error: ${error.message}`));
    try {
      this.access.checkPlace(req);
      this.access.checkSameOrigin(req);
      const { segments } = parseTarget(req.url);
      if (segments.length !== 1 || segments[0] !== 'ws') throw new RequestRefused(404, 'Not found.');
      this.access.requireToken(req);
    } catch (error) {
      const status = error instanceof RequestRefused ? error.status : 500;
      this.log.warn(`serve: ${status} upgrade ${targetForLog(req.url)}: ${(error as Error).message}`);
      if (socket.writable)
        socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
      return;
    }
    try {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.bridge(ws));
    } catch (error) {
      this.log.warn(`serve: the WebSocket upgrade failed: ${errorMessage(error)}`);
      socket.destroy();
    }
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private bridge(ws: WebSocket): void {
    let inFlight = 0;
    const send = (message: unknown) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.log.warn('serve: a page stopped reading its events; its connection is closed');
        return ws.terminate();
      }
      // Called from the core's event emitters too: nothing may be thrown back into them.
      try {
        ws.send(JSON.stringify(message));
      } catch (error) {
        this.log.warn(`serve: a message could not be sent: ${errorMessage(error)}`);
      }
    };
    // Item events in bursts go as one `uploads:changed` (front-end-events.ts).
    const unsubscribe = [frontEndEvents(this.core, (event, payload) => send({ event, payload }))];
    ws.on('error', (error) => this.log.warn(`serve: WebSocket closed on a bad frame: ${error.message}`));
    ws.on('close', () => unsubscribe.forEach((off) => off()));
    ws.on('message', (data, isBinary) => {
      const message = readMessage(data, isBinary);
      const reply = (body: Reply) => send({ id: message.id, ...body });
      if ('invalid' in message)
        return reply({ ok: false, error: { code: 'invalid-request', message: message.invalid } });
      const { command, payload } = message;
      if (!isCommandName(command))
        return reply({
          ok: false,
          error: { code: 'unknown-command', message: `Unknown command: ${command.slice(0, 100)}.` },
        });
      if (inFlight >= MAX_IN_FLIGHT)
        return reply({
          ok: false,
          error: { code: 'failed', message: 'Too many commands at once; try again.' },
        });
      inFlight++;
      this.core
        .invoke(command, payload)
        .then(
          (value) => reply({ ok: true, value: value ?? null }),
          (error: unknown) => {
            const invalid = error instanceof InvalidRequestError;
            if (!invalid) this.log.warn(`serve: ${command} failed: ${errorMessage(error)}`);
            reply({
              ok: false,
              error: { code: invalid ? 'invalid-request' : 'failed', message: errorMessage(error) },
            });
          },
        )
        .catch((error: unknown) => this.log.warn(`serve: a reply could not be sent: ${errorMessage(error)}`))
        .finally(() => inFlight--);
    });
  }
}

type Message =
  | { id: string | number | null; command: string; payload: unknown }
  | { id: string | number | null; invalid: string };

/** Any bytes → a command to run or the reason it is not one. Never throws. */
export function readMessage(data: RawData, isBinary: boolean): Message {
  if (isBinary) return { id: null, invalid: 'Messages must be JSON text, not binary.' };
  let parsed: unknown;
  try {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    parsed = parseBoundedJson(bytes.toString('utf8'));
  } catch (error) {
    return { id: null, invalid: error instanceof InvalidMessage ? error.message : 'Messages must be JSON.' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { id: null, invalid: 'A message is an object: {"id": 1, "command": "…", "payload": {…}}.' };
  const record = parsed as Record<string, unknown>;
  const rawId = Object.hasOwn(record, 'id') ? record.id : undefined;
  const id =
    (typeof rawId === 'string' && rawId.length <= 200) ||
    (typeof rawId === 'number' && Number.isFinite(rawId))
      ? rawId
      : null;
  const command = Object.hasOwn(record, 'command') ? record.command : undefined;
  if (typeof command !== 'string') return { id, invalid: 'A message needs a "command" string.' };
  return { id, command, payload: Object.hasOwn(record, 'payload') ? record.payload : undefined };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : 'The command failed.';
}
