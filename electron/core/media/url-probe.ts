import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import type { ByteSource, ContainerFacts, ContainerProbe } from './container-probe.ts';

/**
 * A URL upload's container, read before the asset is created (issue 17): HTTP Range requests feed
 * MediaInfo's chunk reader (container-probe.ts), a block at a time, never more than `capBytes` in
 * all, within `timeoutMs`. Only what a public web server is asked by anyone: http(s) only, up to 5
 * redirects (the platform's fetcher follows as many), a plain User-Agent and the Range header,
 * never the API key or any other header of ours, on a connection pool of its own (through the
 * person's proxy, as the API client).
 *
 * Whatever keeps the probe from reading (a server that ignores Range and sends the whole file, an
 * error status, a timeout, a refused connection) is `ProbeUnavailable`: "cannot check now". The
 * caller goes on, and the asset's own metadata is checked once it is ready (indexing-stage.ts).
 */
export class ProbeUnavailable extends Error {}

export interface UrlProbeOptions {
  signal?: AbortSignal;
  /** Bytes read from the server in all, at most (default 4 MiB). */
  capBytes?: number;
  /** The first block's read, and then the reads of MediaInfo's turn, each at most (default 15 s). */
  timeoutMs?: number;
  /** Bytes asked for per Range request (default 256 KiB). */
  blockBytes?: number;
}

const USER_AGENT = 'TL-Uploader (media check)';
const MAX_REDIRECTS = 5;

/** Reads a URL's container; ProbeUnavailable when it cannot be read now. */
export async function probeUrl(
  probe: ContainerProbe,
  url: string,
  options: UrlProbeOptions = {},
): Promise<ContainerFacts & { capped: boolean; fetched: number }> {
  const limit = options.timeoutMs ?? 15_000;
  const withCaller = (timeout: AbortSignal) =>
    options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  // The time limit is the server's: the opening read has one, and the reads of MediaInfo's turn
  // a fresh one, so the time spent waiting for the turn (behind other URLs) is not held against it.
  let deadline = AbortSignal.timeout(limit);
  // A pool of its own (nothing of the API client's travels with it), through the proxy the
  // person set (HTTPS_PROXY/HTTP_PROXY/NO_PROXY), as the API client does.
  const agent = new EnvHttpProxyAgent({ connections: 1, connect: { timeout: 10_000 } });
  try {
    // The first block is asked for before MediaInfo's turn (one URL at a time): a server slow to
    // answer, or not answering, does not hold up the other URLs. Later blocks are fetched during
    // the turn, on the probe's remote lane: a server stalling there never holds up local files.
    const source = await RangeSource.open(agent, url, withCaller(deadline), options);
    const facts = await probe.probeSource(async () => {
      deadline = AbortSignal.timeout(limit);
      source.readWith(withCaller(deadline));
      return source;
    }, 'remote');
    return { ...facts, capped: source.capped, fetched: source.fetched };
  } catch (error) {
    if (error instanceof ProbeUnavailable) throw error;
    if (options.signal?.aborted) throw error; // the item was paused or canceled: not ours to say
    throw new ProbeUnavailable(
      deadline.aborted ? 'the server did not answer in time' : `it could not be read (${describe(error)})`,
    );
  } finally {
    await agent.close().catch(() => agent.destroy()); // a pool that will not close gracefully is torn down
  }
}

/** A URL read by Range requests, one block kept: MediaInfo reads forward in small steps. */
class RangeSource implements ByteSource {
  /** The server's bytes that reached us, in all. */
  fetched = 0;
  /** The cap stopped the reading: what was read may be incomplete. */
  capped = false;
  private block: Buffer = Buffer.alloc(0);
  private blockAt = 0;

  private constructor(
    private readonly agent: Dispatcher,
    private readonly url: string,
    readonly size: number,
    private signal: AbortSignal,
    private readonly cap: number,
    private readonly blockBytes: number,
  ) {}

  static async open(agent: Dispatcher, url: string, signal: AbortSignal, options: UrlProbeOptions) {
    const blockBytes = options.blockBytes ?? 256 * 1024;
    const first = await ranged(agent, url, 0, blockBytes, signal);
    const source = new RangeSource(
      agent,
      first.url,
      first.total,
      signal,
      options.capBytes ?? 4 * 1024 * 1024,
      blockBytes,
    );
    source.keep(0, await source.body(first.body, blockBytes));
    return source;
  }

  /** The signal of the reads from now on (MediaInfo's turn has a time limit of its own). */
  readWith(signal: AbortSignal): void {
    this.signal = signal;
  }

  async read(buffer: Buffer, length: number, offset: number): Promise<number> {
    if (offset < this.blockAt || offset >= this.blockAt + this.block.length) {
      const room = this.cap - this.fetched;
      if (room <= 0) {
        this.capped = true;
        return 0;
      }
      const want = Math.min(this.blockBytes, room, this.size - offset);
      const next = await ranged(this.agent, this.url, offset, want, this.signal);
      this.keep(offset, await this.body(next.body, want));
    }
    const from = offset - this.blockAt;
    return this.block.copy(buffer, 0, from, Math.min(this.block.length, from + length));
  }

  async close(): Promise<void> {
    this.block = Buffer.alloc(0);
  }

  private keep(at: number, bytes: Buffer): void {
    this.blockAt = at;
    this.block = bytes;
  }

  /** At most `want` bytes of a body, then the rest is dropped unread (a server may send more). */
  private async body(body: Dispatcher.ResponseData['body'], want: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const take = chunk.subarray(0, Math.min(chunk.length, want - got));
        parts.push(take);
        got += take.length;
        if (got >= want) break;
      }
    } finally {
      drop(body);
    }
    this.fetched += got;
    return Buffer.concat(parts);
  }
}

/**
 * `GET url` for bytes `start`…`start+length-1`, redirects followed. Anything but a 206 whose
 * Content-Range starts where asked, with a known total, is ProbeUnavailable, its body dropped
 * unread (a 200 is the whole file: not downloaded).
 */
async function ranged(
  agent: Dispatcher,
  url: string,
  start: number,
  length: number,
  signal: AbortSignal,
): Promise<{ url: string; total: number; body: Dispatcher.ResponseData['body'] }> {
  let target = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    checkScheme(target);
    const res = await request(target, {
      dispatcher: agent,
      method: 'GET',
      signal,
      headers: { 'user-agent': USER_AGENT, range: `bytes=${start}-${start + length - 1}` },
    });
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      drop(res.body);
      target = new URL(location, target).toString();
      continue;
    }
    if (res.statusCode !== 206) {
      drop(res.body);
      throw new ProbeUnavailable(
        res.statusCode === 200
          ? 'the server does not answer byte ranges'
          : `the server answered HTTP ${res.statusCode}`,
      );
    }
    // A compressed body is not the file's bytes (we never ask for one: no Accept-Encoding).
    const encoding = String(res.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (encoding !== 'identity') {
      drop(res.body);
      throw new ProbeUnavailable(`the server sent the bytes compressed (${encoding.slice(0, 20)})`);
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
    if (!range || Number(range[1]) !== start) {
      drop(res.body);
      throw new ProbeUnavailable('the server answered another byte range than the one asked for');
    }
    return { url: target, total: Number(range[3]), body: res.body };
  }
  throw new ProbeUnavailable('the URL redirected too many times');
}

/** Hangs up on a body not read to its end (undici reports that as an abort: ours, nothing to say). */
function drop(body: Dispatcher.ResponseData['body']): void {
  body.once('error', () => undefined); // the abort is our own hang-up
  body.destroy();
}

function checkScheme(url: string): void {
  const protocol = URL.canParse(url) ? new URL(url).protocol : '';
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new ProbeUnavailable('only http and https addresses are read');
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ?? e.message ?? String(error);
}
