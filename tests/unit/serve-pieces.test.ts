/** Serve mode's pure pieces: request targets, bounded JSON, message shapes, image types, logs. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nestingDepth, parseBoundedJson, MAX_DEPTH } from '../../electron/cli/serve/bounded-json.ts';
import { LogLimiter } from '../../electron/cli/serve/log-limiter.ts';
import { parseTarget, RequestRefused, targetForLog } from '../../electron/cli/serve/request-target.ts';
import { sanitizeName, stagedFolder } from '../../electron/cli/serve/staging.ts';
import { imageType } from '../../electron/cli/serve/thumbnails.ts';
import { readMessage } from '../../electron/cli/serve/ws-bridge.ts';

const refusal = (raw: string | undefined) => {
  try {
    parseTarget(raw);
    return 0;
  } catch (error) {
    expect(error).toBeInstanceOf(RequestRefused);
    return (error as RequestRefused).status;
  }
};

describe('request targets', () => {
  it('parses origin-form targets and refuses every other form with a status, never a throw', () => {
    expect(parseTarget('//')).toMatchObject({ segments: ['', ''] });
    expect(parseTarget('/thumbnail/a%20b?key=%zz')).toMatchObject({ segments: ['thumbnail', 'a b'] });
    expect(parseTarget('/a%2Fb').segments).toEqual(['a/b']); // one segment: no path it can escape with
    expect(parseTarget('/x?key=%E0%A4%A').query.get('key')).toBe('\ufffd%A');
    for (const raw of [undefined, '', '*', 'http://127.0.0.1/', 'example.com:443', '/a#b', '/a b', '/\u0000'])
      expect(refusal(raw), String(raw)).toBe(400);
    for (const raw of ['/thumbnail/%E0%A4%A', '/%', '/%zz', '/a/%C0%AF']) expect(refusal(raw), raw).toBe(400);
    expect(refusal(`/${'a'.repeat(9000)}`)).toBe(414);
  });

  it('logs the path only (a query may carry a key), printable and cut', () => {
    expect(targetForLog('/thumbnail/x?key=secret')).toBe('/thumbnail/x');
    expect(targetForLog('/\u00ff\u0001')).toBe('/??');
    expect(targetForLog(`/${'a'.repeat(500)}`)).toMatch(/… \(501 characters\)$/);
  });
});

describe('bounded JSON and message shapes', () => {
  it('measures nesting outside strings and refuses deep or broken messages before parsing', () => {
    expect(nestingDepth('{"a":[1,{"b":"[[[[{{{{"}]}')).toBe(3);
    expect(nestingDepth('"\\"[[["')).toBe(0);
    expect(nestingDepth('['.repeat(100_000))).toBe(MAX_DEPTH + 1); // stops counting at the limit
    expect(() => parseBoundedJson(`${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}`)).toThrow(
      /nested/,
    );
    expect(parseBoundedJson(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`)).toBeInstanceOf(Array);
    expect(() => parseBoundedJson('{')).toThrow(/JSON/);
  });

  it('reads any bytes as a command or the reason it is not one, echoing only primitive ids', () => {
    const read = (text: string, binary = false) => readMessage(Buffer.from(text), binary);
    expect(read('{"id":1,"command":"x","payload":{"a":1}}')).toEqual({
      id: 1,
      command: 'x',
      payload: { a: 1 },
    });
    expect(read('{"id":"a","command":"x"}')).toEqual({ id: 'a', command: 'x', payload: undefined });
    for (const text of ['null', '[]', '1', '"x"', 'true', '{'])
      expect(read(text), text).toMatchObject({ id: null, invalid: expect.any(String) });
    expect(read('{"id":{"a":1},"command":"x"}')).toMatchObject({ id: null, command: 'x' });
    expect(read('{"id":1e400,"command":"x"}')).toMatchObject({ id: null });
    expect(read(`{"id":"${'i'.repeat(201)}","command":"x"}`)).toMatchObject({ id: null });
    expect(read('{"id":3,"command":{"toString":1}}')).toMatchObject({ id: 3, invalid: expect.any(String) });
    expect(read('{"__proto__":{"command":"x"},"id":4}')).toMatchObject({
      id: 4,
      invalid: expect.any(String),
    });
    expect(read('{"command":"x"}', true)).toMatchObject({
      id: null,
      invalid: expect.stringMatching(/binary/),
    });
    expect(readMessage([Buffer.from('{"id":5,'), Buffer.from('"command":"x"}')], false)).toMatchObject({
      id: 5,
    });
  });
});

describe('files', () => {
  it('types thumbnails from their bytes', () => {
    expect(imageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(imageType(Buffer.from('89504e470d0a1a0a0000', 'hex'))).toBe('image/png');
    expect(imageType(Buffer.from('RIFF\u0000\u0000\u0000\u0000WEBPVP8 ', 'latin1'))).toBe('image/webp');
    expect(imageType(Buffer.from('GIF89a'))).toBe('image/gif');
    expect(imageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(imageType(Buffer.alloc(0))).toBeUndefined();
  });

  it('finds the staging folder of a staged path, and nothing for other paths', () => {
    const base = '/data/staging';
    expect(stagedFolder(base, join(base, 'sandbox', 'u1', 'clip.mp4'))).toBe(join(base, 'sandbox', 'u1'));
    expect(stagedFolder(base, join(base, 'u1', 'clip.mp4'))).toBe(join(base, 'u1')); // older layout
    expect(stagedFolder(base, '/data/staging-other/x/clip.mp4')).toBeUndefined();
    expect(stagedFolder(base, '/home/me/clip.mp4')).toBeUndefined();
    expect(stagedFolder(base, join(base, 'clip.mp4'))).toBeUndefined();
  });

  it('makes dropped names safe, within 200 bytes, extension kept', () => {
    expect(sanitizeName('a\ud800b.mp4')).toBe('a_b.mp4'); // a lone surrogate
    expect(sanitizeName('\u{1f600}.mp4')).toBe('\u{1f600}.mp4');
    const long = sanitizeName(`${'\u{1f600}'.repeat(100)}.mov`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long).toMatch(/^(\u{1f600})+\.mov$/u);
  });
});

describe('the log limiter', () => {
  it('logs at most N lines a second, then says how many it left out', () => {
    const lines: string[] = [];
    let now = 0;
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => lines.push(m) };
    const log = new LogLimiter(logger, 3, () => now);
    for (let i = 0; i < 10; i++) log.warn(`line ${i}`);
    expect(lines).toEqual(['line 0', 'line 1', 'line 2']);
    now = 1000;
    log.warn('next second');
    expect(lines.slice(3)).toEqual(['serve: 7 more similar lines left out', 'next second']);
  });
});
