/** Talking to serve mode from tests: the contract over its WebSocket, HTTP, raw bytes, waiting. */
import { request } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { expect } from 'vitest';
import { until } from './until.ts';

export { until };

export type Reply = { id?: unknown; ok: boolean; value?: unknown; error?: { code: string; message: string } };

/** The contract over serve mode's WebSocket, the token in the subprotocol as the page sends it. */
export class ContractClient {
  private next = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  readonly events: Array<{ event: string; payload: unknown }> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Reply & { event?: string; payload?: unknown };
      if (message.event) this.events.push({ event: message.event, payload: message.payload });
      else if (typeof message.id === 'number') this.waiting.get(message.id)?.(message);
    });
  }

  /** `protocols` undefined: the page's own (`tl-uploader`, `tl-token.<token>`). */
  static async open(
    port: number,
    token: string,
    {
      headers = {},
      protocols,
      path = '/ws',
    }: { headers?: Record<string, string>; protocols?: string[]; path?: string } = {},
  ): Promise<ContractClient> {
    const ws = new WebSocket(
      `ws://127.0.0.1:${port}${path}`,
      protocols ?? ['tl-uploader', `tl-token.${token}`],
      {
        headers,
      },
    );
    // Listening before the socket opens: the server may speak first (notices replayed to a
    // late listener), in the same packet as the handshake.
    const client = new ContractClient(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }

  call(command: string, payload: unknown = {}): Promise<Reply> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, command, payload }));
    });
  }

  async waitForEvent(event: string, timeoutMs = 15_000): Promise<void> {
    await until(`a ${event} event`, () => this.events.some((e) => e.event === event), timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}

/** One command on a fresh connection: its value, or throws with the error it got. */
export async function command(
  port: number,
  token: string,
  name: string,
  payload: unknown = {},
): Promise<unknown> {
  const client = await ContractClient.open(port, token);
  try {
    const reply = await client.call(name, payload);
    if (!reply.ok) throw new Error(`${name}: ${JSON.stringify(reply.error)}`);
    return reply.value;
  } finally {
    client.close();
  }
}

export interface HttpAnswer {
  status: number;
  /** latin1, so binary bodies keep their bytes */
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

export function http(
  port: number,
  path: string,
  headers: Record<string, string | number> = {},
  method = 'GET',
  body?: Buffer,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          text: Buffer.concat(chunks).toString('latin1'),
          headers: res.headers,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Writes raw bytes and collects what the server sends: until it closes the connection, or half a
 * second after its answer began (a refused upload body is drained for a while), or 10 s without
 * an answer. `halfCloseAfterMs` ends our side, for requests the parser would wait on forever.
 */
export function rawExchange(
  port: number,
  bytes: Buffer | string,
  { halfCloseAfterMs }: { halfCloseAfterMs?: number } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (d) => {
      if (chunks.length === 0) {
        clearTimeout(timer);
        timer = setTimeout(() => socket.destroy(), 500);
      }
      chunks.push(d);
    });
    socket.on('error', () => undefined); // a reset after the answer is fine: the answer is what counts
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes, () => {
      if (halfCloseAfterMs !== undefined) setTimeout(() => socket.end(), halfCloseAfterMs);
    });
  });
}

/** The status of a raw HTTP answer; 0 when there was none. */
export const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

/** mulberry32: a seeded PRNG, so fuzz cases are the same on every run. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(list: readonly T[]): T => list[int(list.length)]! };
}

/**
 * The server still answers its URL (200, or 503 with a readable page where the renderer is not
 * built yet: `npm test` runs the integration suite before `vite build`), its session answers the
 * token, and the process is alive.
 */
export async function stillServing(
  serve: { port: number; token: string; child: { exitCode: number | null; signalCode: string | null } },
  afterCase: string,
): Promise<void> {
  expect(serve.child.exitCode, `process ended after ${afterCase}`).toBeNull();
  expect(serve.child.signalCode, `process ended after ${afterCase}`).toBeNull();
  const page = await rawExchange(
    serve.port,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nConnection: close\r\n\r\n`,
  );
  expect([200, 503], `no answer to GET / after ${afterCase}`).toContain(statusOf(page));
  const session = await rawExchange(
    serve.port,
    `GET /session HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nAuthorization: Bearer ${serve.token}\r\nConnection: close\r\n\r\n`,
  );
  expect(statusOf(session), `no session after ${afterCase}`).toBe(200);
}
