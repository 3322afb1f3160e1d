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

/**
 * Makes an index reference an asset (through the public API, as a real integration would), so
 * that deleting the asset answers 409. `times` indexed assets are created.
 */
export async function referenceFromIndex(
  apiUrl: string,
  apiKey: string,
  assetId: string,
  times = 1,
): Promise<string> {
  const headers = { 'x-api-key': apiKey, 'content-type': 'application/json' };
  const res = await fetch(`${apiUrl}/indexes`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      index_name: `index-${Math.random().toString(36).slice(2)}`,
      models: [{ model_name: 'marengo3.0', model_options: ['visual', 'audio'] }],
    }),
  });
  const index = (await res.json()) as { _id: string };
  for (let i = 0; i < times; i++)
    await fetch(`${apiUrl}/indexes/${index._id}/indexed-assets`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ asset_id: assetId }),
    });
  return index._id;
}

/** A direct upload with HLS asked for, straight over the wire (no client of ours): the new asset's id. */
export async function createAssetWithHls(apiUrl: string, name: string, bytes: Buffer): Promise<string> {
  const form = new FormData();
  form.set('method', 'direct');
  form.set('file', new Blob([new Uint8Array(bytes)]), name);
  form.set('enable_hls', 'true');
  const created = await fetch(`${apiUrl}/assets`, {
    method: 'POST',
    headers: { 'x-api-key': 'k' },
    body: form,
  });
  if (created.status !== 201) throw new Error(`${name}: HTTP ${created.status} ${await created.text()}`);
  return ((await created.json()) as { _id: string })._id;
}
