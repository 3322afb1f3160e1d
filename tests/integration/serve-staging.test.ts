/**
 * The staging folder of serve mode: files dropped in the browser are staged privately (0700/0600)
 * and removed once their item no longer needs them (ready, canceled, removed; a duplicate keeps its
 * copy for "Upload anyway" until it is removed). Across a kill: a real `serve --sandbox` process is
 * SIGKILLed while a dropped file is still streaming in, then started again on the same data folder;
 * the half-received copy is swept at start-up, a staged file whose item is still queued is kept,
 * and that item finishes (ready), after which its copy goes too.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../electron/cli/serve.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startEmulator } from '../../emulator/index.ts';
import { startServeProcess, type ServeProcess } from '../e2e/serve-harness.ts';
import { wav } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { command, http, until } from '../helpers/serve-client.ts';

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

describe('across a kill (serve as a process)', () => {
  it('sweeps a drop cut by SIGKILL at the next start, keeps a queued item’s copy and finishes it', async () => {
    serve = await startServeProcess(dataDir(), {}, { args: ['--sandbox'], captureStderr: true });
    // Paused, so the first drop is still queued when the process is killed.
    await command(serve.port, serve.token, 'uploads:pause-all');
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

    await command(serve.port, serve.token, 'uploads:resume-all');
    const s = serve;
    await until('the kept item to be ready', async () => {
      const list = (await command(s.port, s.token, 'uploads:list')) as {
        items: Array<{ id: string; state: string; error?: string }>;
      };
      const item = list.items.find((i) => i.id === queued.id);
      expect(item?.state, JSON.stringify(item)).not.toMatch(/failed|source-missing|canceled/);
      return item?.state === 'ready';
    });
    await until('its staged copy to go', async () => !(await exists(keptDir)));
    expect(serve.stderr()).toMatch(/removing a staged copy no queue item uses/);
  });
});

describe('in one run (serve in-process)', () => {
  let core: UploaderCore;
  let serve: RunningServe;
  const ownDir = () => join(root, 'in-process');
  beforeAll(async () => {
    core = await UploaderCore.create({
      dataDir: ownDir(),
      secrets: new MemorySecretStore(),
      startSandbox: startEmulator,
      sandboxProcessingMs: 50,
    });
    serve = await startServe(core, { rendererDir: join(root, 'no-ui'), logger: silentLogger });
  });
  afterAll(async () => {
    await serve?.close();
    await core?.close();
  });
  const ownStaging = () => join(ownDir(), 'staging', 'sandbox');
  async function drop(name: string, bytes: Buffer) {
    const res = await http(
      serve.port,
      `/upload?name=${encodeURIComponent(name)}`,
      { authorization: `Bearer ${serve.token}` },
      'POST',
      bytes,
    );
    expect(res.status, res.text).toBe(200);
    const item = (JSON.parse(res.text) as { added: Array<{ id: string; source: { path: string } }> })
      .added[0]!;
    return { id: item.id, dir: join(item.source.path, '..') };
  }
  const state = (id: string) => core.queue.list().find((i) => i.id === id)?.state;

  it('sweeps the staging folder of the profile switched to (account → Sandbox)', async () => {
    // Left by an earlier Sandbox run that was killed: no Sandbox queue item uses it.
    await mkdir(join(ownStaging(), 'left-over'), { recursive: true });
    await writeFile(join(ownStaging(), 'left-over', 'cut.mp4'), 'half a file');
    await core.invoke('settings:update', { sandbox: true });
    await until('the left-over copy to go', async () => !(await exists(join(ownStaging(), 'left-over'))));
  });

  it('keeps a staged copy private while queued and removes it when its item is removed', async () => {
    core.queue.pauseAll();
    try {
      const { id, dir } = await drop('held.wav', wav(0.31));
      expect(['queued', 'paused']).toContain(state(id));
      expect((await stat(ownStaging())).mode & 0o777).toBe(0o700);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dir, 'held.wav'))).mode & 0o777).toBe(0o600);
      await core.invoke('uploads:remove', { id });
      await until('the staged folder to go', async () => !(await exists(dir)));
    } finally {
      core.queue.resumeAll();
    }
  });

  it('removes it when its item is ready or canceled; a duplicate keeps it for "Upload anyway" until removed', async () => {
    const bytes = wav(0.37);
    const first = await drop('ready.wav', bytes);
    await until('ready', () => state(first.id) === 'ready');
    await until('the ready copy to go', async () => !(await exists(first.dir)));

    const again = await drop('again.wav', bytes);
    await until('duplicate', () => state(again.id) === 'duplicate');
    expect(await exists(join(again.dir, 'again.wav'))).toBe(true);
    await core.invoke('uploads:remove', { id: again.id });
    await until('the duplicate copy to go', async () => !(await exists(again.dir)));

    // "Upload anyway" reads the kept copy: the item ends ready, then its copy goes.
    const anyway = await drop('anyway.wav', bytes);
    await until('duplicate', () => state(anyway.id) === 'duplicate');
    await core.invoke('uploads:upload-anyway', { id: anyway.id });
    await until('ready', () => state(anyway.id) === 'ready');
    await until('the uploaded-anyway copy to go', async () => !(await exists(anyway.dir)));

    core.queue.pauseAll();
    try {
      const canceled = await drop('canceled.wav', wav(0.41));
      await core.invoke('uploads:cancel', { id: canceled.id });
      await until('the canceled copy to go', async () => !(await exists(canceled.dir)));
    } finally {
      core.queue.resumeAll();
    }
  });

  it('removes at start the copy of an item that became ready while no serve mode watched', async () => {
    core.queue.pauseAll();
    const held = await drop('finished-elsewhere.wav', wav(0.43));
    await serve.close(); // as if serve stopped and `tl-uploader resume` finished the queue
    core.queue.resumeAll();
    await until('ready', () => state(held.id) === 'ready');
    expect(await exists(held.dir)).toBe(true);
    serve = await startServe(core, { rendererDir: join(root, 'no-ui'), logger: silentLogger });
    expect(await exists(held.dir)).toBe(false);
  });
});
