/**
 * The staging folder of serve mode across a kill: a real `serve --sandbox` process is SIGKILLed
 * while a dropped file is still streaming in, then started again on the same data folder. The
 * half-received copy is swept at start-up; a staged file whose item is still queued is kept, and
 * that item finishes (ready), after which its copy goes too.
 */
import { readdir, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { basename, join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServeProcess, type ServeProcess } from '../e2e/serve-harness.ts';
import { wav } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let root: string;
let cleanup: () => Promise<void>;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-serve-staging-'));
});
afterAll(async () => {
  await serve?.stop();
  await cleanup();
});

const dataDir = () => join(root, 'data');
const stagingRoot = () => join(dataDir(), 'staging', 'sandbox');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs one contract command over a fresh WebSocket. */
async function command(s: ServeProcess, name: string, payload: unknown = {}): Promise<unknown> {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, ['tl-uploader', `tl-token.${s.token}`]);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  try {
    return await new Promise((resolve) => {
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number; ok?: boolean; value?: unknown };
        if (message.id === 1) resolve(message.ok ? message.value : message);
      });
      ws.send(JSON.stringify({ id: 1, command: name, payload }));
    });
  } finally {
    ws.close();
  }
}

function upload(
  s: ServeProcess,
  name: string,
  body: Buffer,
): Promise<{ added: Array<{ id: string; source: { path: string } }> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        path: `/upload?name=${encodeURIComponent(name)}`,
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}`, 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(text))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

it('sweeps a drop cut by SIGKILL at the next start, keeps a queued item’s copy and finishes it', async () => {
  serve = await startServeProcess(dataDir(), {}, { args: ['--sandbox'], captureStderr: true });
  // Paused, so the first drop is still queued when the process is killed.
  await command(serve, 'uploads:pause-all');
  const queued = (await upload(serve, 'kept.wav', wav(0.33))).added[0]!;
  const keptDir = join(queued.source.path, '..');
  expect(await exists(queued.source.path)).toBe(true);

  // A slow drop: 10 MB announced, 64 KiB sent, then the process dies under it.
  const slow = request({
    host: '127.0.0.1',
    port: serve.port,
    path: '/upload?name=partial.mp4',
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}`, 'content-length': 10_000_000 },
  });
  slow.on('error', () => undefined); // the connection dies with the process
  slow.write(Buffer.alloc(64 * 1024, 7));
  const partialDir = await until('the partial drop on disk', async () => {
    for (const entry of await readdir(stagingRoot())) {
      const file = join(stagingRoot(), entry, 'partial.mp4');
      if ((await stat(file).catch(() => undefined))?.size) return join(stagingRoot(), entry);
    }
    return undefined;
  });
  await serve.kill();
  slow.destroy();
  expect(await exists(partialDir)).toBe(true);

  serve = await startServeProcess(dataDir(), {}, { args: ['--sandbox'], captureStderr: true });
  // Swept before the address was printed; the queued item's copy is still there.
  expect(await exists(partialDir)).toBe(false);
  expect(await exists(queued.source.path)).toBe(true);
  expect(await readdir(stagingRoot())).toEqual([basename(keptDir)]);

  await command(serve, 'uploads:resume-all');
  const s = serve;
  await until('the kept item to be ready', async () => {
    const list = (await command(s, 'uploads:list')) as {
      items: Array<{ id: string; state: string; error?: string }>;
    };
    const item = list.items.find((i) => i.id === queued.id);
    expect(item?.state, JSON.stringify(item)).not.toMatch(/failed|source-missing|canceled/);
    return item?.state === 'ready';
  });
  await until('its staged copy to go', async () => !(await exists(keptDir)));
  expect(serve.stderr()).toMatch(/removing a staged copy no queue item uses/);
});
