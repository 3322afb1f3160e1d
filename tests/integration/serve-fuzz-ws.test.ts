/**
 * Serve mode as an attacker would try it, part 2: a real `tl-uploader serve --sandbox` process fed
 * every shape of WebSocket message (null, arrays, deep nesting, prototype keys, huge strings, ids
 * of every type, random JSON to every command) and hand-made malformed frames after a valid
 * upgrade (invalid UTF-8, reserved opcodes, unmasked, RSV bits, bad close codes, 64 GiB announced).
 * After every case the server still answers its URL and the process is alive. Bounded: seeded.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNames } from '../../electron/shared/contract.ts';
import { startServeProcess, type ServeProcess } from '../e2e/serve-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { prng, stillServing as stillServingAt } from '../helpers/serve-client.ts';

let serve: ServeProcess;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const tmp = await makeTempDir('tl-serve-fuzz-ws-');
  cleanup = tmp.cleanup;
  serve = await startServeProcess(join(tmp.dir, 'data'), {}, { args: ['--sandbox'], captureStderr: true });
});
afterAll(async () => {
  await serve?.stop();
  await cleanup?.();
});

const stillServing = (afterCase: string) => stillServingAt(serve, afterCase);

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
      // A server that is gone (or hangs up) fails the case at once; after a 101 this does nothing.
      socket.once('close', () => reject(new Error(`closed before the upgrade: ${head.slice(0, 40)}`)));
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
    expect(log).toMatch(/serve: WebSocket closed on a bad frame/);
    expect(log).not.toContain(serve.token);
  });
});
