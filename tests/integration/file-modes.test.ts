/**
 * The data folder is the person's alone: after a real run (uploads, library sync with thumbnails,
 * watched folder, a stored key, the Sandbox with its own key and files), every folder in it is
 * 0700 and every file 0600, whatever the umask. A folder an older version left open is narrowed.
 */
import { chmod, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { FileSecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { writeMp4File } from '../helpers/media.ts';
import { waitFor } from '../helpers/queue-harness.ts';
import { wav } from '../helpers/media.ts';
import { startServeProcess } from '../e2e/serve-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'tlk_file-modes-key-0123456789';

/** Every entry below `root` (root included) whose mode is not 0700 (dirs) / 0600 (files). */
async function openEntries(root: string): Promise<string[]> {
  const wrong: string[] = [];
  const visit = async (path: string) => {
    const info = await lstat(path);
    const mode = info.mode & 0o777;
    const name = relative(root, path) || '.';
    if (info.isDirectory()) {
      if (mode !== 0o700) wrong.push(`${name}/ ${mode.toString(8)}`);
      for (const entry of await readdir(path)) await visit(join(path, entry));
    } else if (mode !== 0o600) wrong.push(`${name} ${mode.toString(8)}`);
  };
  await visit(root);
  return wrong;
}

/** How many files the walk saw: the assertion above must have looked at a real run's output. */
async function countFiles(root: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) if (entry.isFile()) n++;
  return n;
}

let emulator: RunningEmulator;
let dir: string;
let cleanup: () => Promise<void>;
let umask: number;

beforeAll(async () => {
  emulator = await startEmulator({ apiKey: KEY, processingMs: 20 });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  // The most permissive umask a person might have: modes must not depend on it.
  umask = process.umask(0o000);
});
afterEach(async () => {
  process.umask(umask);
  await cleanup();
});

async function uploadOne(core: UploaderCore, name: string, seed: number): Promise<void> {
  const path = await writeMp4File(join(dir, name), 30_000, seed);
  await core.invoke('uploads:add', { inputs: [{ kind: 'file', path, options: { enableThumbnail: true } }] });
  await waitFor(core.queue, (items) => items.some((i) => i.name === name && i.state === 'ready'), 30_000);
  await core.invoke('library:sync', { full: true });
}

describe('file modes of the data folder', () => {
  it('are 0700 / 0600 after a run on an account and on the Sandbox', async () => {
    const data = join(dir, 'data');
    const secrets = new FileSecretStore(data, {});
    const watched = join(dir, 'watched');
    await mkdir(watched);

    let core = await UploaderCore.create({ dataDir: data, secrets });
    try {
      await core.invoke('settings:update', {
        baseUrl: emulator.url,
        confirmHost: new URL(emulator.url).host,
      });
      expect(await core.invoke('settings:set-api-key', { apiKey: KEY })).toMatchObject({ valid: true });
      await core.invoke('folders:add', { path: watched, settings: { existing: 'skip' } });
      await uploadOne(core, 'account.mp4', 1);
    } finally {
      await core.close();
    }

    core = await UploaderCore.create({
      dataDir: data,
      secrets,
      startSandbox: startEmulator,
      sandboxProcessingMs: 20,
      overrides: { sandbox: true },
    });
    try {
      await uploadOne(core, 'sandbox.mp4', 2);
    } finally {
      await core.close();
    }

    expect(await countFiles(data)).toBeGreaterThan(10);
    expect(await openEntries(data)).toEqual([]);
  });

  it('narrows a data folder an older version left open (0755 / 0644), and what is in it', async () => {
    const data = join(dir, 'old');
    await mkdir(join(data, 'account'), { recursive: true, mode: 0o755 });
    await writeFile(join(data, 'settings.json'), '{}', { mode: 0o644 });
    await writeFile(join(data, 'credentials.json'), JSON.stringify({ apiKey: KEY }), { mode: 0o644 });
    await writeFile(join(data, 'account', 'queue.json'), '{}', { mode: 0o644 });
    await chmod(data, 0o755);
    const core = await UploaderCore.create({
      dataDir: data,
      secrets: new FileSecretStore(data, {}),
      overrides: { baseUrl: emulator.url }, // the stored key is used at once: the emulator takes it
    });
    await core.close();
    expect(await openEntries(data)).toEqual([]);
  });

  it('leave a folder every user shares (sticky, as /tmp) as it is, and what the app keeps in it private', async () => {
    const shared = join(dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const warnings: string[] = [];
    const core = await UploaderCore.create({
      dataDir: shared,
      secrets: new FileSecretStore(shared, {}),
      logger: { ...silentLogger, warn: (message) => warnings.push(message) },
      overrides: { baseUrl: emulator.url },
    });
    await core.invoke('settings:set-api-key', { apiKey: KEY });
    await core.close();
    expect((await lstat(shared)).mode & 0o7777).toBe(0o1777);
    expect(warnings.join('\n')).toContain('is a folder every user shares');
    const own = (await readdir(shared)).map((name) => join(shared, name));
    expect(own.length).toBeGreaterThan(1);
    for (const path of own) expect(await openEntries(path), path).toEqual([]);
  });

  it('are 0700 / 0600 after serve mode ran as a child process, with a dropped file staged', async () => {
    const data = join(dir, 'serve');
    const serve = await startServeProcess(data, {}, { args: ['--sandbox'], captureStderr: true });
    try {
      const body = wav(1);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: serve.port,
            path: '/upload?name=dropped.wav',
            method: 'POST',
            headers: { authorization: `Bearer ${serve.token}`, 'content-length': body.length },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(status).toBe(200);
    } finally {
      await serve.stop();
    }
    expect(await countFiles(data)).toBeGreaterThan(5);
    expect(await openEntries(data)).toEqual([]);
  });
});
