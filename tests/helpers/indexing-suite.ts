/**
 * Shared setup of the indexing suites (indexing-*.test.ts, issue 17): one emulator per file that
 * processes and indexes quickly, a temp `root` for the file's media, and the scenario pieces
 * those suites repeat: making an index, reading its indexed assets, a gateway in front of the
 * emulator that holds or withholds chosen answers, and the index child (tests/helpers/index-child.ts)
 * killed and resumed. The bindings are live (see emulator-suite.ts).
 */
import { spawn } from 'node:child_process';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { emulator, useEmulatorPerFile } from './emulator-suite.ts';
import { makeQueue, waitFor } from './queue-harness.ts';
import { makeTempDir } from './temp-dir.ts';

export { control, emulator, root } from './emulator-suite.ts';

/** Registers the hooks; call once at the top of a test file, before its own `beforeAll`. */
export function useIndexingSuite(): void {
  useEmulatorPerFile({ processingMs: 20, indexingMs: 60 });
}

export const H = { 'x-api-key': 'k', 'content-type': 'application/json' };

export async function newIndex(
  name: string,
  models: Array<{ model_name: string; model_options: string[] }> = [
    { model_name: 'marengo3.0', model_options: ['visual'] },
  ],
): Promise<string> {
  const res = await fetch(`${emulator.url}/indexes`, {
    method: 'POST',
    headers: H,
    body: JSON.stringify({ index_name: name, models }),
  });
  return ((await res.json()) as { _id: string })._id;
}

export async function indexedAssetsOf(indexId: string) {
  const res = await fetch(`${emulator.url}/indexes/${indexId}/indexed-assets?page_limit=50`, { headers: H });
  return ((await res.json()) as { data: Array<{ _id: string; asset_id: string; status: string }> }).data;
}

/** A predicate for `waitFor`: exactly `n` items, each in one of `final` (the suite's end states). */
export const settledIn =
  (final: readonly string[]) =>
  (n: number) =>
  (items: Array<{ state: string }>): boolean =>
    items.length === n && items.every((i) => final.includes(i.state));

/**
 * What the gateway does with one request: `forward` it; `hold` its answer until `release()`;
 * `swallow` its answer (the emulator acts on it, the client never hears; `release()` cuts the
 * socket); `drop` it (never forwarded, never answered).
 */
export type GatewayMove = 'forward' | 'hold' | 'swallow' | 'drop';

export interface Gateway {
  /** The API base URL through the gateway. */
  url: string;
  /** How many answers are held or swallowed now. */
  held(): number;
  /** Delivers the held answers and cuts the swallowed ones. */
  release(): void;
  close(): void;
}

export async function startGateway(choose: (req: IncomingMessage) => GatewayMove): Promise<Gateway> {
  const held: Array<() => void> = [];
  const gateway = createServer((req, res) => {
    const move = choose(req);
    if (move === 'drop') return; // no answer, ever
    const out = request(
      `${emulator.origin}${req.url}`,
      { method: req.method, headers: req.headers },
      (up) => {
        if (move === 'swallow') {
          up.resume();
          held.push(() => res.destroy());
          return;
        }
        const answer = () => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        };
        if (move === 'hold') held.push(answer);
        else answer();
      },
    );
    req.pipe(out);
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/v1.3`,
    held: () => held.length,
    release: () => {
      for (const release of held.splice(0)) release();
    },
    close: () => {
      gateway.closeAllConnections();
      gateway.close();
    },
  };
}

/** A started queue on a fresh data folder (against `baseUrl`, the emulator by default), closed after `run`. */
export async function withQueue(
  run: (q: ReturnType<typeof makeQueue>) => Promise<void>,
  overrides: Parameters<typeof makeQueue>[2] = {},
  baseUrl = emulator.url,
): Promise<void> {
  const { dir: data, cleanup: done } = await makeTempDir();
  const q = makeQueue(baseUrl, data, overrides);
  try {
    q.queue.start();
    await run(q);
  } finally {
    await q.close();
    await done();
  }
}

/** The content put in the library first: uploaded without an index, then cleared from the queue. */
export async function uploadThenClear(
  data: string,
  clip: string,
  settled: (items: Array<{ state: string }>) => boolean,
) {
  const before = makeQueue(emulator.url, data);
  before.queue.start();
  await before.queue.add([{ kind: 'file', path: clip }]);
  const [first] = await waitFor(before.queue, settled);
  before.queue.remove(first!.id);
  await before.close();
  return first!;
}

/** The queue as its own process (index-child.ts) adding `clip` with `indexId` on its first run. */
export function runIndexChild(baseUrl: string, data: string, clip: string, indexId: string) {
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/helpers/index-child.ts', baseUrl, data, clip, indexId],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** Starts the index child, then SIGKILLs it once `killWhen` resolves; resolves after it exited. */
export async function killIndexChild(
  baseUrl: string,
  args: { data: string; clip: string; indexId: string },
  killWhen: () => Promise<unknown>,
): Promise<void> {
  const child = runIndexChild(baseUrl, args.data, args.clip, args.indexId);
  const exited = new Promise((r) => child.on('exit', r));
  await killWhen();
  child.kill('SIGKILL');
  await exited;
}

/** Runs the index child again on the same data folder to the end; it must exit 0. Its items. */
export async function resumeIndexChild(args: { data: string; clip: string; indexId: string }) {
  const second = runIndexChild(emulator.url, args.data, args.clip, args.indexId);
  let out = '';
  second.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((r) => second.on('exit', r));
  expect(code).toBe(0);
  return JSON.parse(out.slice(out.indexOf('idle ') + 5)) as Array<{ state: string; assetId?: string }>;
}
