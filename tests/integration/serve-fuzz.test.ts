/**
 * Serve mode as an attacker would try it: a real `tl-uploader serve --sandbox` process, fed
 * malformed HTTP on raw TCP, every shape of WebSocket message, and hand-made malformed WebSocket
 * frames after a valid upgrade. After every case the server still answers its URL and the process
 * is alive. Bounded: a seeded PRNG and a fixed number of cases (a few seconds in all).
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNames } from '../../electron/shared/contract.ts';
import { startServeProcess, type ServeProcess } from '../e2e/serve-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let serve: ServeProcess;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const tmp = await makeTempDir('tl-serve-fuzz-');
  cleanup = tmp.cleanup;
  serve = await startServeProcess(join(tmp.dir, 'data'), {}, { args: ['--sandbox'], captureStderr: true });
});
afterAll(async () => {
  await serve?.stop();
  await cleanup?.();
});

/** mulberry32: the same cases on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(list: readonly T[]): T => list[int(list.length)]! };
}

/**
 * Writes raw bytes and collects what the server sends: until it closes the connection, or half a
 * second after its answer began (a refused upload body is drained for a while), or 10 s without
 * an answer. `halfCloseAfterMs` ends our side, for requests the parser would wait on forever.
 */
function raw(
  bytes: Buffer | string,
  { halfCloseAfterMs }: { halfCloseAfterMs?: number } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(serve.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (d) => {
      if (chunks.length === 0) {
        clearTimeout(timer);
        timer = setTimeout(() => socket.destroy(), 500);
      }
      chunks.push(d);
    });
    socket.on('error', () => undefined); // a reset after the answer is fine: the answer is what counts
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes, () => {
      if (halfCloseAfterMs !== undefined) setTimeout(() => socket.end(), halfCloseAfterMs);
    });
  });
}

/**
 * The server still answers its URL (200, or 503 with a readable page where the renderer is not
 * built yet: `npm test` runs this before `vite build`), its session answers the token, and the
 * process is alive.
 */
async function stillServing(afterCase: string): Promise<void> {
  expect(serve.child.exitCode, `process ended after ${afterCase}`).toBeNull();
  expect(serve.child.signalCode, `process ended after ${afterCase}`).toBeNull();
  const page = await raw(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nConnection: close\r\n\r\n`);
  expect([200, 503], `no answer to GET / after ${afterCase}`).toContain(status(page));
  const session = await raw(
    `GET /session HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nAuthorization: Bearer ${serve.token}\r\nConnection: close\r\n\r\n`,
  );
  expect(status(session), `no session after ${afterCase}`).toBe(200);
}

const status = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

describe('raw HTTP', () => {
  const host = () => `Host: 127.0.0.1:${serve.port}\r\n`;
  const line = (target: string, method = 'GET') =>
    `${method} ${target} HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`;

  /** Each case: the bytes, and the statuses it may be answered with (never a 500, never silence). */
  const cases = (): Array<[string, Buffer | string, number[]]> => [
    ['GET //', line('//'), [404]],
    ['GET ///x//', line('///x//'), [404]],
    ['GET *', line('*'), [400]],
    ['OPTIONS *', line('*', 'OPTIONS'), [400]],
    ['absolute-form, our host', line(`http://127.0.0.1:${serve.port}/`), [400]],
    ['absolute-form, another host', line('http://evil.example/session'), [400]],
    ['authority-form CONNECT', `CONNECT 127.0.0.1:22 HTTP/1.1\r\n${host()}\r\n`, [405]],
    ['a 16 KB path', line(`/${'a'.repeat(16 * 1024)}`), [400, 414, 431]],
    ['a 7 KB path', line(`/${'%41'.repeat(2400)}`), [404]],
    ['bad percent-encoding in a thumbnail', line('/thumbnail/%E0%A4%A'), [400]],
    ['a lone %', line('/%'), [400]],
    ['%zz', line('/assets/%zz.js'), [400]],
    ['encoded NUL', line('/%00'), [404]],
    ['encoded slash and dots', line('/assets/..%2F..%2F..%2Fetc%2Fpasswd'), [404]],
    ['bad escapes in the query', line('/session?%E0%A4%A=%&token=%zz'), [401]],
    ['bad escapes in an upload name', line('/upload?name=%E0%A4%A', 'POST'), [401]],
    [
      'a raw 0xff byte in the path',
      Buffer.from(`GET /\xff\xfe HTTP/1.1\r\n${host()}\r\n`, 'latin1'),
      [400, 404],
    ],
    ['a method nobody knows', line('/', 'FROB'), [400]],
    ['lower-case method', line('/', 'get'), [400]],
    ['PROPFIND', line('/', 'PROPFIND'), [405]],
    ['TRACE', line('/', 'TRACE'), [405]],
    ['DELETE on the page', line('/', 'DELETE'), [405]],
    ['PUT on /upload', line('/upload', 'PUT'), [405]],
    ['GET /ws without Upgrade', line('/ws'), [426]],
    ...(
      [
        ['a WebSocket version 7', 'Sec-WebSocket-Version: 7', [400, 426]],
        ['no WebSocket key', 'Sec-WebSocket-Key:', [400]],
        ['a short WebSocket key', 'Sec-WebSocket-Key: abc', [400]],
        ['a malformed subprotocol list', 'Sec-WebSocket-Protocol: ,, ,tl-uploader,,', [400]],
        ['a token-less subprotocol list', 'Sec-WebSocket-Protocol: tl-uploader', [401]],
      ] as const
    ).map(([name, header, codes]): [string, string, number[]] => [
      `upgrade with ${name}`,
      `GET /ws HTTP/1.1\r\n${host()}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
        (header.startsWith('Sec-WebSocket-Key') ? '' : 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n') +
        (header.startsWith('Sec-WebSocket-Version') ? '' : 'Sec-WebSocket-Version: 13\r\n') +
        (header.startsWith('Sec-WebSocket-Protocol') && header.endsWith('tl-uploader')
          ? ''
          : `Authorization: Bearer ${serve.token}\r\n`) +
        `${header}\r\n\r\n`,
      [...codes],
    ]),
    [
      'a POST upgrade',
      `POST /ws HTTP/1.1\r\n${host()}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${serve.token}\r\nContent-Length: 0\r\n\r\n`,
      [400, 405],
    ],
    ['no Host', 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', [400, 403]],
    ['two Hosts', `GET / HTTP/1.1\r\n${host()}Host: evil.example\r\n\r\n`, [400, 403]],
    ['Host with a path', `GET / HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}/x\r\n\r\n`, [400, 403]],
    ['HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n', [400, 403]],
    ['HTTP/0.9', 'GET /\r\n\r\n', [400, 403]],
    ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', [400]],
    ['HTTP/7.7', `GET / HTTP/7.7\r\n${host()}\r\n`, [400, 505]],
    ['a header without a colon', `GET / HTTP/1.1\r\n${host()}Oops\r\n\r\n`, [400]],
    ['obs-fold', `GET / HTTP/1.1\r\n${host()}X-A: 1\r\n  folded\r\n\r\n`, [400]],
    ['NUL in a header', `GET / HTTP/1.1\r\n${host()}X-A: a\0b\r\n\r\n`, [400]],
    ['a 20 KB header', `GET / HTTP/1.1\r\n${host()}X-A: ${'b'.repeat(20_000)}\r\n\r\n`, [400, 431]],
    ['2000 headers', `GET / HTTP/1.1\r\n${host()}${'X-A: 1\r\n'.repeat(2000)}\r\n`, [200, 400, 431, 503]],
    ['a bare LF request', `GET / HTTP/1.1\n${host().trim()}\n\n`, [200, 400, 503]],
    ['Content-Length negative', `POST /upload HTTP/1.1\r\n${host()}Content-Length: -1\r\n\r\n`, [400]],
    ['Content-Length not a number', `POST /upload HTTP/1.1\r\n${host()}Content-Length: abc\r\n\r\n`, [400]],
    [
      'Content-Length twice, different',
      `POST /upload HTTP/1.1\r\n${host()}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
      [400],
    ],
    [
      'Content-Length and chunked',
      `POST /upload HTTP/1.1\r\n${host()}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      [400],
    ],
    [
      'Content-Length of 20 digits',
      `POST /upload?name=a.mp4 HTTP/1.1\r\n${host()}Authorization: Bearer ${'x'.repeat(32)}\r\nContent-Length: 99999999999999999999\r\n\r\n`,
      [400, 401, 413],
    ],
    [
      'a bad chunk size',
      `POST /upload HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n`,
      [400, 401],
    ],
    [
      'Transfer-Encoding: gzip only',
      `POST /upload HTTP/1.1\r\n${host()}Transfer-Encoding: gzip\r\n\r\n`,
      [400, 401, 501],
    ],
    ['an Upgrade to h2c', `GET / HTTP/1.1\r\n${host()}Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n`, [404]],
    [
      'Expect: 100-continue without a token',
      `POST /upload?name=a.wav HTTP/1.1\r\n${host()}Expect: 100-continue\r\nContent-Length: 5\r\n\r\n`,
      [100, 401],
    ],
    ['random bytes', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), [400]],
  ];

  it('answers every malformed request line, target, method, header and length with a 4xx', async () => {
    for (const [name, bytes, allowed] of cases()) {
      const answer = await raw(bytes);
      expect(allowed, `${name}: answered ${JSON.stringify(answer.slice(0, 60))}`).toContain(status(answer));
      await stillServing(name);
    }
  });

  it('survives a seeded stream of random targets and mutated requests', async () => {
    const rnd = prng(0x5eed14);
    const pieces = [
      '/',
      '//',
      '%',
      '%e0',
      '%a4%a',
      '%2f',
      '%00',
      '..',
      '.',
      '?',
      '&',
      '=',
      '#',
      ';',
      '\\',
      'thumbnail',
      'upload',
      'ws',
      'session',
      'contract',
      'assets',
      'é',
      '\u{1f600}',
      'index.html',
      'a'.repeat(300),
    ];
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];
    for (let i = 0; i < 120; i++) {
      let target = '/';
      for (let n = rnd.int(8); n > 0; n--) target += rnd.pick(pieces);
      const encoded = Buffer.from(target, 'utf8').toString('latin1').replace(/[\s#]/g, '%20');
      let request = Buffer.from(
        `${rnd.pick(methods)} ${encoded} HTTP/1.1\r\n${host()}Content-Length: ${rnd.int(3)}\r\nConnection: close\r\n\r\nab`,
        'latin1',
      );
      if (i % 3 === 0) {
        // Flip a few bytes anywhere in the request.
        request = Buffer.from(request);
        for (let f = 1 + rnd.int(3); f > 0; f--) request[rnd.int(request.length)] = rnd.int(256);
      }
      const answer = await raw(request, { halfCloseAfterMs: 300 });
      const code = status(answer);
      // A flipped byte may leave a request the parser waits on (it got no full head): no answer is due then.
      if (i % 3 !== 0 || code !== 0)
        expect(code, `case ${i}: ${JSON.stringify(request.toString('latin1'))}`).toBeLessThan(500);
      if (i % 10 === 0) await stillServing(`random case ${i}`);
    }
    await stillServing('the random cases');
  });
});

describe('WebSocket messages', () => {
  let ws: WebSocket;
  const replies: unknown[] = [];
  let waiting: ((m: unknown) => void) | undefined;

  async function open() {
    ws = new WebSocket(`ws://127.0.0.1:${serve.port}/ws`, ['tl-uploader', `tl-token.${serve.token}`]);
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { event?: string };
      if (message.event) return;
      if (waiting) waiting(message);
      else replies.push(message);
    });
    ws.on('error', () => undefined);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
  }
  function ask(text: string): Promise<{ id: unknown; ok: boolean; error?: { code: string } }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${text.slice(0, 80)}`)), 15_000);
      waiting = (m) => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(m as never);
      };
      ws.send(text);
    });
  }
  beforeAll(open);
  afterAll(() => ws?.close());

  it('answers any message shape with invalid-request, echoing only a primitive id', async () => {
    const deep = (n: number, inner = '1') => '['.repeat(n) + inner + ']'.repeat(n);
    const shapes: Array<[string, unknown]> = [
      ['null', null],
      ['true', null],
      ['1', null],
      ['"settings:get"', null],
      ['[]', null],
      ['[{"command":"settings:get"}]', null],
      ['{}', null],
      ['{"id":7}', 7],
      ['{"id":"x","command":null}', 'x'],
      ['{"id":8,"command":{"toString":1}}', 8],
      ['{"id":9,"command":["settings:get"]}', 9],
      ['{"id":{"a":1},"command":5}', null],
      ['{"id":[1,2],"command":true}', null],
      [`{"id":${deep(10_000)},"command":"settings:get"}`, null],
      [`{"id":1,"command":"settings:get","payload":${deep(50)}}`, null],
      [deep(100_000), null],
      ['{"id":1e400,"command":{}}', null],
      [`{"id":"${'i'.repeat(500)}","command":{}}`, null],
      ['{"id":10,"command":"__proto__"}', 10],
      ['{"id":11,"command":"constructor"}', 11],
      ['{"id":12,"command":"toString"}', 12],
      ['{"id":13,"command":"hasOwnProperty"}', 13],
      ['{"__proto__":{"command":"settings:get"},"id":14}', 14],
      ['{"id":15,"command":"settings:update","payload":{"__proto__":{"sandbox":false}}}', 15],
      ['{"id":16,"command":"settings:update","payload":{"constructor":{"prototype":{"x":1}}}}', 16],
      ['{"id":17,"command":"uploads:add","payload":null}', 17],
      ['{"id":18,"command":"uploads:add","payload":[1,2]}', 18],
      [
        `{"id":19,"command":"uploads:add","payload":{"inputs":[{"kind":"url","url":"${'u'.repeat(900_000)}"}]}}`,
        19,
      ],
      ['not json', null],
      ['{"id":21,', null],
      ['\ufeff{}', null],
    ];
    for (const [text, id] of shapes) {
      const reply = await ask(text);
      expect(reply.ok, text.slice(0, 80)).toBe(false);
      expect(reply.id, text.slice(0, 80)).toEqual(id);
      expect(['invalid-request', 'unknown-command', 'failed'], text.slice(0, 80)).toContain(
        reply.error?.code,
      );
      if (id === null || !/"command":"/.test(text))
        expect(['invalid-request', 'unknown-command']).toContain(reply.error?.code);
    }
    // A prototype name as an asset id is an asset that does not exist, nothing more.
    expect(await ask('{"id":20,"command":"library:detail","payload":{"id":"constructor"}}')).toEqual({
      id: 20,
      ok: true,
      value: null,
    });
    // A valid command still works on the same socket, with a primitive id echoed.
    expect(await ask('{"id":"last","command":"settings:get"}')).toMatchObject({ id: 'last', ok: true });
    await stillServing('the message shapes');
  });

  it('answers a seeded stream of random JSON to every command', async () => {
    const rnd = prng(0x14fe);
    const keys = [
      'id',
      'command',
      'payload',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'inputs',
      'path',
      'kind',
      'ids',
      'confirmed',
      '',
    ];
    const value = (depth: number): unknown => {
      switch (depth > 6 ? rnd.int(4) : rnd.int(8)) {
        case 0:
          return null;
        case 1:
          return rnd.next() < 0.5;
        case 2:
          return rnd.pick([0, -1, 1.5, 2 ** 53, -0, 1e308]);
        case 3:
          return rnd.pick(['', 'x', '../../etc/passwd', '\u0000', 'é\u{1f600}', 'a'.repeat(5000)]);
        case 4:
        case 5:
          return Array.from({ length: rnd.int(4) }, () => value(depth + 1));
        default:
          return Object.fromEntries(
            Array.from({ length: rnd.int(4) }, () => [rnd.pick(keys), value(depth + 1)]),
          );
      }
    };
    // Commands that change what later cases see are left out: this is about shapes, not effects.
    const safe = commandNames.filter(
      (c) =>
        !/^settings:(update|set-api-key|clear-api-key)$|^folders:add$|^uploads:add$|^library:delete$/.test(c),
    );
    for (let i = 0; i < 150; i++) {
      const message: Record<string, unknown> = {
        id: i,
        command: rnd.next() < 0.8 ? rnd.pick(safe) : value(5),
        payload: value(0),
      };
      if (rnd.next() < 0.2) message[rnd.pick(keys)] = value(3);
      const text = JSON.stringify(message);
      const reply = await ask(text);
      expect(reply, text.slice(0, 120)).toHaveProperty('ok');
      if (typeof message.id === 'number' || typeof message.id === 'string') expect(reply.id).toBe(message.id);
      else expect(reply.id).toBeNull();
    }
    await stillServing('the random messages');
  });

  it('closes a socket that sends a message over 1 MiB, and serves the next one', async () => {
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(`{"id":1,"command":"settings:get","payload":"${'x'.repeat(1024 * 1024 + 10)}"}`);
    expect(await closed).toBe(1009);
    await stillServing('an oversized message');
    await open();
    expect(await ask('{"id":2,"command":"settings:get"}')).toMatchObject({ id: 2, ok: true });
  });
});

describe('raw WebSocket frames', () => {
  /** A valid upgrade written by hand; resolves with the socket once the 101 arrived. */
  function upgrade(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(serve.port, '127.0.0.1');
      let head = '';
      socket.on('error', () => undefined);
      const onData = (d: Buffer) => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        if (head.startsWith('HTTP/1.1 101')) resolve(socket);
        else reject(new Error(`upgrade refused: ${head.slice(0, 40)}`));
      };
      socket.on('data', onData);
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
          `Authorization: Bearer ${serve.token}\r\n\r\n`,
      );
    });
  }

  /** One frame: first byte (FIN, RSV, opcode), payload, masked unless told, length as announced. */
  function frame(
    first: number,
    payload: Buffer,
    { masked = true, announced }: { masked?: boolean; announced?: bigint } = {},
  ): Buffer {
    const length = announced ?? BigInt(payload.length);
    const lengthBytes =
      length < 126n
        ? Buffer.from([Number(length)])
        : length < 65536n
          ? Buffer.from([126, Number(length >> 8n), Number(length & 0xffn)])
          : Buffer.concat([
              Buffer.from([127]),
              (() => {
                const b = Buffer.alloc(8);
                b.writeBigUInt64BE(length);
                return b;
              })(),
            ]);
    if (masked) lengthBytes[0] = lengthBytes[0]! | 0x80;
    const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
    const body = masked ? Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!)) : payload;
    return Buffer.concat([Buffer.from([first]), lengthBytes, masked ? mask : Buffer.alloc(0), body]);
  }
  const close = (code: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(code);
    return b;
  };

  /** Sends the frame and waits for the server to close the connection; returns its close code, if any. */
  async function sendAndWaitClose(bytes: Buffer): Promise<number | undefined> {
    const socket = await upgrade();
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const timer = setTimeout(() => socket.destroy(), 15_000);
    socket.write(bytes);
    await closed;
    clearTimeout(timer);
    const all = Buffer.concat(chunks);
    // The server's close frame: 0x88, length, code.
    const at = all.indexOf(0x88);
    return at >= 0 && all.length >= at + 4 ? all.readUInt16BE(at + 2) : undefined;
  }

  const cases: Array<[string, Buffer, number[]]> = [
    ['invalid UTF-8 text', frame(0x81, Buffer.from([0xff, 0xfe, 0xfd])), [1007]],
    ['a lone surrogate in UTF-8', frame(0x81, Buffer.from([0xed, 0xa0, 0x80])), [1007]],
    ['reserved opcode 0x3', frame(0x83, Buffer.from('x')), [1002]],
    ['reserved control opcode 0xB', frame(0x8b, Buffer.from('x')), [1002]],
    ['an unmasked client frame', frame(0x81, Buffer.from('{}'), { masked: false }), [1002]],
    ['RSV1 without an extension', frame(0xc1, Buffer.from('{}')), [1002]],
    ['RSV2', frame(0xa1, Buffer.from('{}')), [1002]],
    ['RSV3', frame(0x91, Buffer.from('{}')), [1002]],
    ['close code 999', frame(0x88, close(999)), [1002]],
    ['close code 1005', frame(0x88, close(1005)), [1002]],
    ['close code 5000', frame(0x88, close(5000)), [1002]],
    ['a 1-byte close payload', frame(0x88, Buffer.from([3])), [1002]],
    ['a 126-byte ping', frame(0x89, Buffer.alloc(126)), [1002]],
    ['a fragmented ping', frame(0x09, Buffer.from('x')), [1002]],
    ['a continuation with nothing to continue', frame(0x80, Buffer.from('x')), [1002]],
    [
      'a new text frame inside a fragmented one',
      Buffer.concat([frame(0x01, Buffer.from('{')), frame(0x81, Buffer.from('}'))]),
      [1002],
    ],
    ['64 GiB announced', frame(0x81, Buffer.from('{}'), { announced: 64n * 1024n ** 3n }), [1009]],
    ['2^63 announced', frame(0x82, Buffer.alloc(0), { announced: 2n ** 63n }), [1009]],
    [
      '2 MiB announced (over the 1 MiB limit)',
      frame(0x81, Buffer.alloc(0), { announced: 2n * 1024n ** 2n }),
      [1009],
    ],
  ];

  it('closes the socket on every malformed frame, with the right code, and keeps serving', async () => {
    for (const [name, bytes, codes] of cases) {
      const code = await sendAndWaitClose(bytes);
      expect(codes, `${name}: closed with ${code}`).toContain(code);
      await stillServing(name);
    }
  });

  it('survives a seeded stream of random frames', async () => {
    const rnd = prng(0xf4a3e5);
    for (let i = 0; i < 40; i++) {
      const payload = Buffer.from(Array.from({ length: rnd.int(40) }, () => rnd.int(256)));
      const first = rnd.int(256);
      const socket = await upgrade();
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(frame(first, payload, { masked: rnd.next() < 0.8 }));
      // A frame that is valid (a ping, a short text) gets an answer or nothing: end our side.
      setTimeout(() => socket.end(), 200);
      await closed;
      if (i % 8 === 0) await stillServing(`random frame ${i}`);
    }
    await stillServing('the random frames');
  });

  it('logged the refusals on stderr, never the token', () => {
    const log = serve.stderr();
    expect(log).toMatch(/serve: 400 /);
    expect(log).toMatch(/serve: WebSocket closed on a bad frame/);
    expect(log).not.toContain(serve.token);
  });
});
