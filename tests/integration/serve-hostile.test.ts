/**
 * Serve mode's dropped files, attacked where the fuzz suites do not go: names Windows opens as
 * devices, a body streamed past the limit without a Content-Length, and a data folder whose disk
 * is full (a real tmpfs of 1 MiB mounted on the staging folder; that case is skipped, with the
 * reason printed, where this process may not mount one). A refusal must reach the person as an
 * answer, not as a connection reset.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskName } from '../../electron/cli/serve/staging.ts';
import { startServe, type RunningServe } from '../../electron/cli/serve.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startEmulator } from '../../emulator/index.ts';
import { wav } from '../helpers/media.ts';
import { http } from '../helpers/serve-client.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let root: string;
let cleanup: () => Promise<void>;
let core: UploaderCore;
let serve: RunningServe;
/** Why the full-disk case cannot run here, or undefined when the tmpfs is mounted. */
let noTmpfs: string | undefined;
const MAX_UPLOAD = 512 * 1024;
const dataDir = () => join(root, 'data');
const stagingDir = () => join(dataDir(), 'staging');

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-serve-hostile-'));
  await mkdir(stagingDir(), { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', stagingDir()], {
      stdio: 'pipe',
    });
  } catch (error) {
    noTmpfs = `no tmpfs could be mounted here (${String((error as Error).message).split('\n')[0]})`;
  }
  core = await UploaderCore.create({
    dataDir: dataDir(),
    secrets: new MemorySecretStore(),
    startSandbox: startEmulator,
    sandboxProcessingMs: 50,
    overrides: { sandbox: true },
  });
  core.queue.pauseAll(); // what is staged stays staged: these tests look at the staging folder
  serve = await startServe(core, {
    rendererDir: join(root, 'no-ui'),
    logger: silentLogger,
    maxUploadBytes: MAX_UPLOAD,
  });
});
afterAll(async () => {
  await serve?.close();
  await core?.close();
  if (!noTmpfs) execFileSync('umount', [stagingDir()]);
  await cleanup();
});

/** `chunked`: no Content-Length, so only the bytes themselves can tell the size. */
function drop(name: string, body: Buffer, chunked = false) {
  return http(
    serve.port,
    `/upload?name=${encodeURIComponent(name)}`,
    {
      authorization: `Bearer ${serve.token}`,
      ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': body.length }),
    },
    'POST',
    body,
  );
}

const staged = () => readdir(join(stagingDir(), 'sandbox'));

type Added = { added: Array<{ id: string; name: string; source: { path: string } }> };

describe('names Windows opens as devices', () => {
  it('are staged under a name every system creates as a file; the platform still gets the dropped name', async () => {
    for (const name of ['CON.wav', 'nul.wav', 'Com1.wav', 'LPT9 .x.wav', 'aux', 'conout$.wav']) {
      const res = await drop(name, wav(0.05));
      expect(res.status, res.text).toBe(200);
      const item = (JSON.parse(res.text) as Added).added[0]!;
      expect(item.name).toBe(name);
      expect(basename(item.source.path)).toBe(`_${name}`);
    }
    // Names that only start like a device are left as they are.
    for (const name of ['console.wav', 'com10.wav', 'nullable.wav', 'lpt.wav', 'my con.wav'])
      expect(diskName(name)).toBe(name);
  });
});

describe('refusals mid-body', () => {
  it('answers a body streamed past the limit with 413, not a reset, and keeps nothing of it', async () => {
    const before = await staged();
    const res = await drop('endless.wav', Buffer.alloc(2 * MAX_UPLOAD, 1), true);
    expect(res.status, res.text).toBe(413);
    expect((JSON.parse(res.text) as { error: string }).error).toMatch(/too large/);
    expect(await staged()).toEqual(before);
  });

  it('answers a drop onto a full disk with 507 and where space is needed, and takes it once there is room', async (ctx) => {
    if (noTmpfs) {
      console.warn(`serve-hostile: full-disk case skipped: ${noTmpfs}`);
      ctx.skip();
    }
    // Fill the disk: the write stops at ENOSPC, leaving what fitted.
    const filler = join(stagingDir(), 'filler');
    await writeFile(filler, Buffer.alloc(2 * 1024 * 1024)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOSPC') throw error;
    });
    const before = await staged();
    const res = await drop('no-room.wav', wav(2));
    expect(res.status, res.text).toBe(507);
    const message = (JSON.parse(res.text) as { error: string }).error;
    expect(message).toContain('not enough free space');
    expect(message).toContain(stagingDir());
    expect(await staged()).toEqual(before);
    await rm(filler);
    const next = await drop('room.wav', wav(2));
    expect(next.status, next.text).toBe(200);
  });
});
