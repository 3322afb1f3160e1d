/**
 * `Expect: 100-continue` in serve mode: the invitation to send a body comes only after the
 * request's place and token are checked. Before, Node answered `100 Continue` to everyone, so a
 * page on another local port was invited to stream a file before it was refused. A raw socket
 * sends the headers only and reads the first status line the server sends back.
 */
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../electron/cli/serve.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startEmulator } from '../../emulator/index.ts';
import { wav } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let root: string;
let cleanup: () => Promise<void>;
let core: UploaderCore;
let serve: RunningServe;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-serve-continue-'));
  core = await UploaderCore.create({
    dataDir: join(root, 'data'),
    secrets: new MemorySecretStore(),
    startSandbox: startEmulator,
    sandboxProcessingMs: 50,
    overrides: { sandbox: true },
  });
  core.queue.pauseAll(); // what is staged stays staged: the staging folder is looked at
  serve = await startServe(core, { rendererDir: join(root, 'no-ui'), logger: silentLogger });
});
afterAll(async () => {
  await serve?.close();
  await core?.close();
  await cleanup();
});

const BODY = wav(0.05);

/**
 * Sends an upload's headers with `Expect: 100-continue` and no body. Returns the first answer's
 * status line, and a way on: send the body and read the rest, or see the server close.
 */
async function askToUpload(headers: Record<string, string>, name = 'tone.wav') {
  const socket = connect(serve.port, '127.0.0.1');
  socket.on('error', () => undefined); // a close after the answer is fine: the answer counts
  let received = '';
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const firstHead = new Promise<string>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (received.includes('\r\n\r\n')) resolve(received.split('\r\n')[0]!);
    });
    void closed.then(() => reject(new Error(`closed with no answer: ${JSON.stringify(received)}`)));
  });
  const lines = Object.entries({
    host: `127.0.0.1:${serve.port}`,
    'content-type': 'audio/wav',
    'content-length': String(BODY.length),
    expect: '100-continue',
    ...headers,
  }).map(([k, v]) => `${k}: ${v}`);
  socket.write(`POST /upload?name=${name} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  const statusLine = await firstHead;
  return {
    statusLine,
    /** Resolves when the server ends the connection (it must not wait for a body it refused). */
    closed,
    async sendBody(): Promise<string> {
      received = '';
      socket.write(BODY);
      await closed;
      return received.split('\r\n')[0]!;
    },
  };
}

const staged = () => readdir(join(root, 'data', 'staging', 'sandbox')).catch(() => []);

describe('Expect: 100-continue in serve mode', () => {
  it('refuses a page on another local port before inviting its body', async () => {
    const other = `http://127.0.0.1:${serve.port + 1}`;
    const asked = await askToUpload({
      origin: other,
      'sec-fetch-site': 'same-site',
      authorization: `Bearer ${serve.token}`,
    });
    expect(asked.statusLine).toBe('HTTP/1.1 403 Forbidden');
    await asked.closed;
    expect(await staged()).toEqual([]);
  });

  it('refuses a request without the token before inviting its body', async () => {
    const asked = await askToUpload({});
    expect(asked.statusLine).toBe('HTTP/1.1 401 Unauthorized');
    await asked.closed;
    const wrong = await askToUpload({ authorization: 'Bearer not-the-token' });
    expect(wrong.statusLine).toBe('HTTP/1.1 401 Unauthorized');
    await wrong.closed;
    expect(await staged()).toEqual([]);
  });

  it('refuses a file declared larger than the platform takes, or without a name, before inviting its body', async () => {
    const own = {
      origin: `http://127.0.0.1:${serve.port}`,
      'sec-fetch-site': 'same-origin',
      authorization: `Bearer ${serve.token}`,
    };
    const huge = await askToUpload({ ...own, 'content-length': String(200 * 1024 ** 3) });
    expect(huge.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
    await huge.closed;
    const nameless = await askToUpload({ ...own }, '');
    expect(nameless.statusLine).toBe('HTTP/1.1 400 Bad Request');
    await nameless.closed;
    expect(await staged()).toEqual([]);
  });

  it('invites the body of our own page with its token, then takes the file', async () => {
    const asked = await askToUpload({
      origin: `http://127.0.0.1:${serve.port}`,
      'sec-fetch-site': 'same-origin',
      authorization: `Bearer ${serve.token}`,
      connection: 'close',
    });
    expect(asked.statusLine).toBe('HTTP/1.1 100 Continue');
    expect(await asked.sendBody()).toBe('HTTP/1.1 200 OK');
    expect(await staged()).toHaveLength(1);
  });
});
