import type { FaultRule } from '../../emulator/index.ts';
import type { LoggedRequest } from '../../emulator/request-log.ts';

/** Talks to the emulator's control API over HTTP, as any test or tool would. */
export class EmulatorControl {
  constructor(readonly origin: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.origin}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  }

  addFaults(...rules: FaultRule[]) {
    return this.call('POST', '/faults', { rules });
  }
  clearFaults() {
    return this.call('DELETE', '/faults');
  }
  settings(patch: Record<string, unknown>) {
    return this.call('PATCH', '/settings', patch);
  }
  async requests(route?: string): Promise<LoggedRequest[]> {
    const q = route ? `?route=${encodeURIComponent(route)}` : '';
    return ((await this.call('GET', `/requests${q}`)) as { requests: LoggedRequest[] }).requests;
  }
  clearRequests() {
    return this.call('DELETE', '/requests');
  }
  async seed(options: {
    count: number;
    kind?: string;
    status?: string;
    filenamePrefix?: string;
    enableThumbnail?: boolean;
  }) {
    return ((await this.call('POST', '/seed', options)) as { ids: string[] }).ids;
  }
  setStatus(assetId: string, status: string, errorMessage?: string) {
    return this.call('PATCH', `/assets/${assetId}`, { status, error_message: errorMessage });
  }
  reset() {
    return this.call('POST', '/reset');
  }
}
