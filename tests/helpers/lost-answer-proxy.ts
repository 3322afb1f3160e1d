import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from './emulator-control.ts';

/**
 * How the answer to a matching request is lost. The request reaches the emulator whole and its
 * answer is read in full first (the platform acted), then:
 * - `cut`: the client's connection is destroyed with nothing written back;
 * - a status (502, 504, …): a gateway's error page replaces the answer (with 200: a success whose
 *   body is not the platform's);
 * - `{ rewrite }`: the answer arrives, its status and headers kept, its body changed on the way (a
 *   proxy that garbles it, or a platform that sends what it should not).
 */
export type LostAnswerFault = 'cut' | number | { rewrite: (body: string) => string };

export interface LostAnswerRule {
  method: string;
  /** Matched against the path without its query. */
  path: RegExp;
  fault: LostAnswerFault;
  /** How many matching requests lose their answer (the first ones). */
  count: number;
  /**
   * false: the request is read in full but never forwarded (a gateway that gave up before it
   * reached the platform): nothing was made, and the client cannot tell.
   */
  forward?: boolean;
  /**
   * Lose the answer as soon as the whole request was forwarded, without waiting for the platform
   * (a gateway timing out while the platform is still at work: what it makes shows up later).
   */
  early?: boolean;
}

export interface LostAnswerProxy {
  /** Point the client here (`${origin}/v1.3`). */
  origin: string;
  /** Returns how many requests met the fault so far: a test checks it to prove the fault was met. */
  lose(rule: LostAnswerRule): { readonly hits: number };
  clear(): void;
  close(): Promise<void>;
}

interface ActiveRule extends LostAnswerRule {
  hits: number;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer'];

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * A gateway in front of the emulator, over real HTTP, that loses answers on purpose: what a load
 * balancer that times out, or a connection cut on the way back, does to a request the platform
 * has already carried out. Everything else is passed through untouched (the Host header too, so
 * the URLs the emulator hands out lead back through here).
 */
export async function startLostAnswerProxy(upstreamOrigin: string): Promise<LostAnswerProxy> {
  const upstream = new URL(upstreamOrigin);
  let rules: ActiveRule[] = [];

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const rule = rules.find((r) => r.count > r.hits && r.method === req.method && r.path.test(path));
    if (rule) rule.hits++;

    const lose = (body: Buffer, status: number, headers: IncomingHttpHeaders) => {
      const fault = rule!.fault;
      if (typeof fault === 'object')
        return pass(Buffer.from(fault.rewrite(body.toString())), status, headers);
      if (fault === 'cut') return void req.socket.destroy();
      const page = `<html><body><h1>${rule!.fault} Gateway Error</h1></body></html>`;
      res.writeHead(fault, { 'content-type': 'text/html', 'content-length': page.length }).end(page);
    };
    const pass = (body: Buffer, status: number, headers: IncomingHttpHeaders) => {
      const copy = forwardable(headers);
      delete copy['transfer-encoding'];
      copy['content-length'] = String(body.length);
      res.writeHead(status, copy).end(body);
    };
    /** The request was carried out (or swallowed): pass its answer on, or lose it. */
    const answered = (body: Buffer, status: number, headers: IncomingHttpHeaders) => {
      if (!rule) return pass(body, status, headers);
      lose(body, status, headers);
    };

    if (rule?.forward === false) {
      req.on('error', () => req.socket.destroy());
      void readAll(req).then(
        () => answered(Buffer.alloc(0), 502, {}),
        () => req.socket.destroy(),
      );
      return;
    }
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: forwardable(req.headers),
      },
      (answer) => {
        void readAll(answer).then(
          (body) => !rule?.early && answered(body, answer.statusCode ?? 502, answer.headers),
          () => req.socket.destroy(),
        );
      },
    );
    out.on('error', () => !rule?.early && req.socket.destroy());
    // A client that goes away mid-request (its own stall or cancel) ends the forwarded one too.
    req.on('error', () => out.destroy());
    res.on('error', () => req.socket.destroy());
    if (rule?.early) req.on('end', () => answered(Buffer.alloc(0), 502, {}));
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    lose(rule) {
      const active: ActiveRule = { ...rule, hits: 0 };
      rules.push(active);
      return active;
    },
    clear() {
      rules = [];
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The emulator behind a lost-answer proxy, as every lost-answer suite sets them up. */
export interface LostAnswerRig {
  emulator: RunningEmulator;
  control: EmulatorControl;
  proxy: LostAnswerProxy;
  /** Before each test: a clean emulator with small multipart chunks, and no proxy rules. */
  reset(chunkSize: number): Promise<void>;
  close(): Promise<void>;
}

export async function startLostAnswerRig(): Promise<LostAnswerRig> {
  const emulator = await startEmulator({ processingMs: 30 });
  const control = new EmulatorControl(emulator.origin);
  const proxy = await startLostAnswerProxy(emulator.origin);
  return {
    emulator,
    control,
    proxy,
    reset: async (chunkSize) => {
      await control.reset();
      await control.settings({ chunkSize });
      proxy.clear();
    },
    close: async () => {
      await proxy.close();
      await emulator.close();
    },
  };
}
