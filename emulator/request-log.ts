export interface LoggedRequest {
  seq: number;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  route: string;
  method: string;
  path: string;
  status?: number;
  bodyBytes: number;
  /**
   * The handler is done with it: answered, or gave up on a client that went away, with whatever it
   * had written removed. Tests wait on this to prove that nothing was left, instead of sleeping.
   */
  settled?: boolean;
}

const MAX_ENTRIES = 50_000;

/**
 * What reached the emulator, for tests to count: "no request of this category during the
 * Retry-After window", "only the missing chunks were re-sent". Bounded; presigned query strings
 * are never kept.
 */
export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  start(route: string, method: string, path: string): LoggedRequest {
    const entry: LoggedRequest = { seq: ++this.seq, at: Date.now(), route, method, path, bodyBytes: 0 };
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return entry;
  }

  list(filter: { route?: string; since?: number } = {}): LoggedRequest[] {
    return this.entries.filter(
      (e) => (!filter.route || e.route === filter.route) && (!filter.since || e.seq > filter.since),
    );
  }

  stats(): { requests: Record<string, number>; bodyBytes: Record<string, number> } {
    const requests: Record<string, number> = {};
    const bodyBytes: Record<string, number> = {};
    for (const e of this.entries) {
      requests[e.route] = (requests[e.route] ?? 0) + 1;
      bodyBytes[e.route] = (bodyBytes[e.route] ?? 0) + e.bodyBytes;
    }
    return { requests, bodyBytes };
  }

  clear(): void {
    this.entries = [];
  }
}
