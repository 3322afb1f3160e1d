/**
 * Serve mode attacked where the other suites do not go. Its credentials swapped (the read-only
 * media key for commands, the token as a media key), our host spelt the ways a rebinding page or a
 * resolver might (trailing dot, IPv6, numeric forms), `Origin: null` with no Sec-Fetch-* (a
 * sandboxed frame or a file:// page in a browser that sends no fetch metadata), a text/plain CSRF
 * POST. Its dropped files: names Windows opens as
 * devices, a body streamed past the limit without a Content-Length, and a data folder whose disk
 * is full (a real tmpfs of 1 MiB mounted on the staging folder; that case is skipped, with the
 * reason printed, where this process may not mount one). A refusal must reach the person as an
 * answer, not as a connection reset.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskName } from '../../electron/cli/serve/staging.ts';
import { startServe, type RunningServe } from '../../electron/cli/serve.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startEmulator } from '../../emulator/index.ts';
import { wav } from '../helpers/media.ts';
import { ContractClient, http, until } from '../helpers/serve-client.ts';
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

function drop(name: string, body: Buffer) {
  return http(
    serve.port,
    `/upload?name=${encodeURIComponent(name)}`,
    { authorization: `Bearer ${serve.token}`, 'content-length': body.length },
    'POST',
    body,
  );
}

const staged = () => readdir(join(stagingDir(), 'sandbox'));

type Added = { added: Array<{ id: string; name: string; source: { path: string } }> };

describe('credentials and places', () => {
  const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
  const get = (path: string, headers: Record<string, string> = {}) => http(serve.port, path, headers);

  it('keeps the media key read-only and the token out of URLs', async () => {
    const { mediaKey } = JSON.parse((await get('/session', bearer(serve.token))).text) as {
      mediaKey: string;
    };
    for (const path of ['/session', '/contract'])
      expect((await get(path, bearer(mediaKey))).status, path).toBe(401);
    await expect(
      ContractClient.open(serve.port, serve.token, { protocols: ['tl-uploader', `tl-token.${mediaKey}`] }),
    ).rejects.toThrow(/401/);
    const upload = await http(serve.port, '/upload?name=a.wav', bearer(mediaKey), 'POST', wav(0.05));
    expect(upload.status).toBe(401);
    // The token is no media key, and a media key in the path or a header is not read.
    const thumbnail = '/thumbnail/0123456789abcdef01234567';
    expect((await get(`${thumbnail}?key=${serve.token}`)).status).toBe(401);
    expect((await get(`${thumbnail}?key=${mediaKey}`)).status).toBe(404); // the right key: no such asset
    expect((await get(thumbnail, bearer(mediaKey))).status).toBe(401);
    expect((await get(`${thumbnail}?key=${mediaKey}&key=x`)).status).toBe(404);
    expect((await get(`${thumbnail}?key=x&key=${mediaKey}`)).status).toBe(401);
  });

  it('refuses our host spelt another way, and Origin: null without fetch metadata', async () => {
    const p = serve.port;
    for (const host of [
      `127.0.0.1:${p}.`,
      `localhost.:${p}`,
      `[::1]:${p}`,
      `127.1:${p}`,
      `0x7f.0.0.1:${p}`,
      `2130706433:${p}`,
      `127.0.0.2:${p}`,
      `127.0.0.1:${p}@evil.example`,
      `evil.example:${p}`,
      `127.0.0.1`,
    ])
      expect((await get('/session', { ...bearer(serve.token), host })).status, host).toBe(403);
    for (const origin of ['null', `http://localhost.:${p}`, `http://[::1]:${p}`, `https://127.0.0.1:${p}`])
      expect((await get('/session', { ...bearer(serve.token), origin })).status, origin).toBe(403);
    await expect(
      ContractClient.open(serve.port, serve.token, { headers: { origin: 'null' } }),
    ).rejects.toThrow(/403/);
    // A form in a sandboxed frame posting text/plain: refused before a byte is staged.
    const before = await staged();
    const csrf = await http(
      serve.port,
      '/upload?name=csrf.wav',
      { origin: 'null', 'content-type': 'text/plain' },
      'POST',
      wav(0.05),
    );
    expect(csrf.status).toBe(403);
    expect(await staged()).toEqual(before);
  });
});

describe('bad percent-encoding in a URL to upload', () => {
  it('names the item as the URL is written, and the rest of the batch is added', async () => {
    const client = await ContractClient.open(serve.port, serve.token);
    try {
      const reply = await client.call('uploads:add', {
        inputs: [
          { kind: 'url', url: 'https://media.example/%E0%A4%A.mp4' },
          { kind: 'url', url: 'https://media.example/clip%20one.mp4' },
        ],
      });
      expect(reply, JSON.stringify(reply.error)).toMatchObject({ ok: true });
      const names = (reply.value as Added).added.map((i) => i.name);
      expect(names).toEqual(['%E0%A4%A.mp4', 'clip one.mp4']);
    } finally {
      client.close();
    }
  });
});

describe('the port', () => {
  it('says a port in use is in use, and how to choose another', async () => {
    await expect(
      startServe(core, { port: serve.port, rendererDir: join(root, 'no-ui'), logger: silentLogger }),
    ).rejects.toThrow(`Port ${serve.port} is already in use on 127.0.0.1`);
    // The first one still serves.
    expect((await http(serve.port, '/favicon.ico')).status).toBe(204);
  });
});

describe('names that read as something else', () => {
  it('lose their bidi and C1 controls: the queue shows what the file is', async () => {
    for (const [name, shown] of [
      ['\u202egpj.exe', '_gpj.exe'],
      ['a\u2067b\u2069.wav', 'a_b_.wav'],
      ['x\u200f.wav', 'x_.wav'],
      ['c1\u0085.wav', 'c1_.wav'],
    ]) {
      const res = await drop(name!, wav(0.05));
      expect(res.status, res.text).toBe(200);
      const item = (JSON.parse(res.text) as Added).added[0]!;
      expect(item.name).toBe(shown);
      expect(basename(item.source.path)).toBe(shown);
    }
  });
});

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

/** What `dropPastLimit` sends: far past the limit, still well within what serve drains. */
const PAST_LIMIT = 32 * MAX_UPLOAD;

/**
 * A drop as a browser sends one: the body streamed to its end (chunked: no Content-Length, so only
 * the bytes themselves can tell the size; 64 KiB at a time, each write waited for), the answer read
 * whenever it comes. The limit is met while most of the body is still to come, so a server that
 * refuses by closing the connection cuts the sender off mid-body (a reset, not an answer).
 * `answeredAfter`: how many bytes were written when the answer began.
 */
function dropPastLimit(
  name: string,
): Promise<{ status: number; text: string; answeredAfter: number; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answer: { status: number; text: string; answeredAfter: number } | undefined;
    let bodySent = false;
    const settle = () => answer && bodySent && resolve({ ...answer, sent });
    const req = request(
      {
        host: '127.0.0.1',
        port: serve.port,
        path: `/upload?name=${encodeURIComponent(name)}`,
        method: 'POST',
        headers: { authorization: `Bearer ${serve.token}`, 'transfer-encoding': 'chunked' },
      },
      (res) => {
        const answeredAfter = sent;
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          answer = { status: res.statusCode!, text: Buffer.concat(chunks).toString(), answeredAfter };
          settle();
        });
      },
    );
    req.on('error', (error) =>
      reject(new Error(`the connection failed after ${sent} of ${PAST_LIMIT} bytes: ${error.message}`)),
    );
    const piece = Buffer.alloc(64 * 1024, 1);
    const more = () => {
      if (sent >= PAST_LIMIT) {
        req.end(() => {
          bodySent = true;
          settle();
        });
        return;
      }
      sent += piece.length;
      req.write(piece, (error) => {
        if (!error) more();
      });
    };
    more();
  });
}

describe('refusals mid-body', () => {
  it('keeps nothing of a drop the client cuts off halfway', async () => {
    const before = await staged();
    const socket = connect(serve.port, '127.0.0.1');
    socket.on('error', () => undefined); // our own cut
    socket.write(
      `POST /upload?name=cut.wav HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\n` +
        `Authorization: Bearer ${serve.token}\r\nContent-Length: ${MAX_UPLOAD - 1}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(MAX_UPLOAD / 4, 1));
    await until('the copy to start', async () => (await staged()).length > before.length);
    socket.destroy();
    await until('the cut copy to go', async () => (await staged()).length === before.length);
    expect(await staged()).toEqual(before);
  });

  it('answers a body streamed past the limit with 413, not a reset, and keeps nothing of it', async () => {
    const before = await staged();
    const res = await dropPastLimit('endless.wav');
    expect(res.answeredAfter, 'answered while the body was still coming').toBeLessThan(PAST_LIMIT);
    expect(res.sent).toBe(PAST_LIMIT);
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
