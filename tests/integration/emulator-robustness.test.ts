/** Bad requests, faults and restarts: the emulator never crashes and never keeps half an asset. */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { mp4, wav } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let dataDir: string;
let cleanup: () => Promise<void>;
const KEY = { 'x-api-key': 'test-key' };

beforeAll(async () => {
  ({ dir: dataDir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 20, dataDir: join(dataDir, 'main') });
  control = new EmulatorControl(emulator.origin);
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});
beforeEach(() => control.reset());

function form(parts: Record<string, string | { name: string; data: Buffer }>, boundary = 'XyZ123'): Buffer {
  const pieces: Buffer[] = [];
  for (const [field, value] of Object.entries(parts)) {
    const disposition =
      typeof value === 'string'
        ? `Content-Disposition: form-data; name="${field}"\r\n\r\n`
        : `Content-Disposition: form-data; name="${field}"; filename="${value.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    pieces.push(
      Buffer.from(`--${boundary}\r\n${disposition}`),
      typeof value === 'string' ? Buffer.from(value) : value.data,
      Buffer.from('\r\n'),
    );
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

const postForm = (body: Buffer, boundary = 'XyZ123') =>
  fetch(`${emulator.url}/assets`, {
    method: 'POST',
    headers: { ...KEY, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });

async function assetCount(): Promise<number> {
  const res = await fetch(`${emulator.url}/assets?page_limit=50`, { headers: KEY });
  return ((await res.json()) as { page_info: { total_results: number } }).page_info.total_results;
}

/** The asset once its processing has ended (polled: how long it takes is the emulator's business). */
function processed(apiUrl: string, id: string) {
  return until(`asset ${id} to leave processing`, async () => {
    const answer = (await (await fetch(`${apiUrl}/assets/${id}`, { headers: KEY })).json()) as {
      status: string;
    };
    return answer.status !== 'processing' && answer;
  });
}

async function incomingFiles(): Promise<string[]> {
  return readdir(join(dataDir, 'main', 'incoming'));
}

describe('bad requests', () => {
  it('answers malformed and wrongly typed bodies with 400 and keeps serving', async () => {
    const truncated = form({ method: 'direct', file: { name: 'a.wav', data: wav(0.1) } }).subarray(0, 200);
    expect((await postForm(truncated)).status).toBe(400);
    const json = await fetch(`${emulator.url}/assets`, {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({
      code: 'parameter_invalid',
      message: 'The request body must be multipart/form-data.',
    });
    expect((await postForm(form({ method: 'upload' }))).status).toBe(400);
    expect(
      await (
        await postForm(form({ method: 'direct', file: { name: 'a.wav', data: wav(0.1) }, enable_hls: 'yes' }))
      ).json(),
    ).toMatchObject({
      code: 'parameter_invalid',
    });
    expect(
      await (
        await postForm(
          form({ method: 'direct', file: { name: 'a.wav', data: wav(0.1) }, user_metadata: '{"a":{"b":1}}' }),
        )
      ).json(),
    ).toMatchObject({
      code: 'parameter_invalid',
    });
    expect(
      (await postForm(form({ method: 'direct', file: { name: 'e.wav', data: Buffer.alloc(0) } }))).status,
    ).toBe(400);
    expect(await assetCount()).toBe(0);
    expect(await incomingFiles()).toEqual([]);
  });

  it('refuses huge headers, unknown paths and wrong methods', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${emulator.url}/assets`,
        { headers: { ...KEY, 'x-filler': 'a'.repeat(40_000) } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
    expect((await fetch(`${emulator.url}/nothing-here`, { headers: KEY })).status).toBe(404);
    expect((await fetch(`${emulator.url}/assets`, { method: 'PATCH', headers: KEY })).status).toBe(405);
    expect((await fetch(`${emulator.url}/assets`, { headers: KEY })).status).toBe(200);
  });

  it('leaves no asset and no file behind when the client goes away mid-upload', async () => {
    const body = form({
      method: 'direct',
      file: { name: 'big.mp4', data: mp4({ payloadBytes: 4_000_000 }) },
    });
    const req = request(`${emulator.url}/assets`, {
      method: 'POST',
      headers: {
        ...KEY,
        'content-type': 'multipart/form-data; boundary=XyZ123',
        'content-length': body.length,
      },
    });
    req.on('error', () => undefined); // we cut it ourselves
    req.write(body.subarray(0, 1_000_000));
    // Cut only once the emulator is writing the file, so its cleanup is what is tested.
    await until('the partial file on disk', async () => (await incomingFiles()).length === 1);
    req.destroy();
    // The emulator's request log says when it has given up on the request: then nothing may remain.
    await until(
      'the cut upload to settle',
      async () => (await control.requests('assets.create'))[0]?.settled,
    );
    expect(await assetCount()).toBe(0);
    expect(await incomingFiles()).toEqual([]);
  });
});

describe('fault injection', () => {
  it('cuts the connection after N body bytes', async () => {
    await control.addFaults({ kind: 'drop', route: 'assets.create', afterBytes: 100_000, count: 1 });
    const body = form({ method: 'direct', file: { name: 'c.mp4', data: mp4({ payloadBytes: 1_000_000 }) } });
    await expect(postForm(body)).rejects.toThrow();
    await until(
      'the cut upload to settle',
      async () => (await control.requests('assets.create'))[0]?.settled,
    );
    expect(await assetCount()).toBe(0);
    expect(await incomingFiles()).toEqual([]);
    // The rule was used up: the same upload now works.
    expect((await postForm(body)).status).toBe(201);
  });

  it('answers the next N requests of a route with a status, then recovers', async () => {
    await control.addFaults({ kind: 'status', route: 'assets.list', count: 2, status: 503 });
    expect((await fetch(`${emulator.url}/assets`, { headers: KEY })).status).toBe(503);
    expect((await fetch(`${emulator.url}/assets`, { headers: KEY })).status).toBe(503);
    expect((await fetch(`${emulator.url}/assets`, { headers: KEY })).status).toBe(200);
    const log = await control.requests('assets.list');
    expect(log.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('delays a route and forces a processing outcome', async () => {
    await control.addFaults(
      { kind: 'latency', route: 'assets.retrieve', count: 1, ms: 300 },
      { kind: 'processing', count: 1, outcome: 'failed', message: 'Codec not supported.' },
    );
    const created = (await (
      await postForm(form({ method: 'direct', file: { name: 'w.wav', data: wav(0.2) } }))
    ).json()) as { _id: string };
    const started = Date.now();
    await fetch(`${emulator.url}/assets/${created._id}`, { headers: KEY });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const detail = await processed(emulator.url, created._id);
    expect(detail).toMatchObject({ status: 'failed', error: { message: 'Codec not supported.' } });
  });

  it('throttles ingest to the configured bandwidth', async () => {
    await control.settings({ ingestBytesPerSecond: 1_000_000 });
    try {
      const body = form({
        method: 'direct',
        file: { name: 't.mp4', data: mp4({ payloadBytes: 2_000_000 }) },
      });
      const started = Date.now();
      expect((await postForm(body)).status).toBe(201);
      // 2 MB at 1 MB/s: the first second's budget is free, the second MB waits.
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await control.settings({ ingestBytesPerSecond: 0 });
    }
  });

  it('refuses invalid fault rules with a reason', async () => {
    const res = await fetch(`${emulator.origin}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'status', route: 'x', status: 42 }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/status must be an HTTP status code/);
  });
});

/** Sends raw bytes (what no HTTP client library would send) and resolves with the status line. */
function rawStatus(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Written, not ended: the server answers a request whose client is still there.
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('hostile request targets', () => {
  it('answers every malformed target or encoding with a 4xx and keeps serving', async () => {
    await control.seed({ count: 1 });
    const targets = [
      '*',
      '//',
      '///x',
      '//evil.example/v1.3/assets',
      'http://127.0.0.1/_emulator/reset',
      `http://127.0.0.1:${emulator.port}/_emulator/reset`,
      '/v1.3/assets/%E0%A4%A',
      '/v1.3/assets/%',
      '/v1.3/assets?page=%ZZ&page_limit=%',
      '/media/%E0%A4%A/%/thumbnail',
      '/_emulator/%2e%2e/reset',
      `/v1.3/${'a'.repeat(15_000)}`,
      `/v1.3/assets/${'%'.repeat(4_000)}`,
    ];
    for (const target of targets) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const status = await rawStatus(
          emulator.port,
          `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${emulator.port}\r\nx-api-key: k\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        );
        expect(status, `${method} ${target.slice(0, 60)}`).toMatch(/^HTTP\/1\.1 4\d\d /);
      }
    }
    // Still up, and nothing was reset by any of them.
    expect(
      ((await (await fetch(`${emulator.origin}/_emulator/health`)).json()) as { assets: number }).assets,
    ).toBe(1);
  });
});

describe('persistence', () => {
  it('keeps assets across a restart with --data-dir and finishes processing begun before it', async () => {
    const dir = join(dataDir, 'restart');
    let first = await startEmulator({ dataDir: dir, processingMs: 60_000 });
    const post = (url: string) =>
      fetch(`${url}/assets`, {
        method: 'POST',
        headers: { ...KEY, 'content-type': 'multipart/form-data; boundary=XyZ123' },
        body: form({ method: 'direct', file: { name: 'keep.mp4', data: mp4() }, user_metadata: '{"k":"v"}' }),
      });
    const created = (await (await post(first.url)).json()) as { _id: string };
    await first.close();
    first = await startEmulator({ dataDir: dir, processingMs: 10 });
    try {
      // Processing begun before the restart finishes after it (processingMs 10 now).
      const detail = await processed(first.url, created._id);
      expect(detail).toMatchObject({
        _id: created._id,
        status: 'ready',
        filename: 'keep.mp4',
        user_metadata: { k: 'v' },
        size: mp4().length,
      });
    } finally {
      await first.close();
    }
  });
});

describe('command line', () => {
  it('prints exactly one line with the real port, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'emulator/cli.ts', '--port', '0', '--processing-ms', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    const match = /^TwelveLabs emulator listening on (http:\/\/127\.0\.0\.1:(\d+)\/v1\.3)$/.exec(first);
    expect(match, first).not.toBeNull();
    expect(Number(match![2])).toBeGreaterThan(0);
    expect((await fetch(`${match![1]}/assets`, { headers: KEY })).status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('explains a bad flag in one message and exits 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts', '--port', 'abc'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--port must be a number from 0 to 65535/);
  });
});
