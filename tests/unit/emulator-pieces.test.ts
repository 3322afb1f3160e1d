import { describe, expect, it } from 'vitest';
import { imageDimensions } from '../../emulator/media-probe.ts';
import { arrayParam, pageParams } from '../../emulator/query.ts';
import { RateLimiter } from '../../emulator/rate-limiter.ts';
import { sniff } from '../../emulator/sniff.ts';
import { mergeMetadata, replaceMetadata } from '../../emulator/user-metadata.ts';
import { FaultInjector } from '../../emulator/faults.ts';
import { JPEG_16x8, mp4, png, wav } from '../helpers/media.ts';

describe('sniff', () => {
  const cases: Array<[string, Buffer, string | undefined, string]> = [
    ['mp4', mp4(), 'video', 'video/mp4'],
    ['wav', wav(0.1), 'audio', 'audio/wav'],
    ['png', png(), 'image', 'image/png'],
    ['jpeg', JPEG_16x8, 'image', 'image/jpeg'],
    ['quicktime', Buffer.from('\0\0\0\x14ftypqt  \0\0\0\0qt  ', 'latin1'), 'video', 'video/quicktime'],
    [
      'webm',
      // An EBML header whose DocType (0x4282) is "webm".
      Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x87, 0x42, 0x82, 0x84]), Buffer.from('webm')]),
      'video',
      'video/webm',
    ],
    ['heic', Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1'), 'image', 'image/heic'],
    ['mp3 with ID3', Buffer.from('ID3\x04\0\0\0\0\0\0', 'latin1'), 'audio', 'audio/mpeg'],
    ['flac', Buffer.from('fLaC\0\0\0\x22', 'latin1'), 'audio', 'audio/flac'],
    ['pdf', Buffer.from('%PDF-1.7\n', 'latin1'), undefined, 'application/octet-stream'],
    ['text', Buffer.from('hello world, this is text'), undefined, 'application/octet-stream'],
    ['empty', Buffer.alloc(0), undefined, 'application/octet-stream'],
  ];
  it.each(cases)('%s', (_name, bytes, kind, mime) => {
    expect(sniff(bytes)).toMatchObject({ kind, mime });
  });
});

describe('image dimensions', () => {
  it('reads PNG and JPEG headers', () => {
    expect(imageDimensions(png(40, 30), 'png')).toEqual({ width: 40, height: 30 });
    expect(imageDimensions(JPEG_16x8, 'jpeg')).toEqual({ width: 16, height: 8 });
  });
});

describe('query parameters', () => {
  it('accepts repeated keys, comma lists and JSON arrays alike', () => {
    const q = (s: string) => new URLSearchParams(s);
    expect(arrayParam(q('a=x&a=y'), 'a')).toEqual(['x', 'y']);
    expect(arrayParam(q('a=x,y'), 'a')).toEqual(['x', 'y']);
    expect(arrayParam(q(`a=${encodeURIComponent('["x","y"]')}`), 'a')).toEqual(['x', 'y']);
    expect(() => arrayParam(q('a=[oops'), 'a')).toThrow(/not a valid JSON array/);
  });
  it('bounds page and page_limit', () => {
    expect(pageParams(new URLSearchParams(''))).toEqual({ page: 1, limit: 10 });
    expect(() => pageParams(new URLSearchParams('page_limit=51'))).toThrow(/page_limit/);
    expect(() => pageParams(new URLSearchParams('page=0'))).toThrow(/page/);
    expect(() => pageParams(new URLSearchParams('page=two'))).toThrow(/integer/);
  });
});

describe('rate limiter', () => {
  it('counts a fixed window per category and tells when it resets', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ create: { limit: 2, windowSeconds: 10 } }, () => now);
    expect(limiter.check('create')).toMatchObject({
      allowed: true,
      headers: { 'X-Ratelimit-Remaining': '1', 'X-Ratelimit-Used': '1' },
    });
    expect(limiter.check('create')?.allowed).toBe(true);
    now += 4_000;
    expect(limiter.check('create')).toMatchObject({
      allowed: false,
      retryAfterSeconds: 6,
      headers: { 'Retry-After': '6', 'X-Ratelimit-Reset': '1010' },
    });
    expect(limiter.check('other')).toBeUndefined();
    now += 6_000;
    expect(limiter.check('create')?.allowed).toBe(true);
  });
});

describe('user metadata semantics', () => {
  it('PATCH merges: null deletes, empty string is ignored', () => {
    expect(mergeMetadata({ a: 1, b: 'x', c: true }, { a: null, b: '', d: 2 })).toEqual({
      b: 'x',
      c: true,
      d: 2,
    });
  });
  it('PUT replaces: empty string and null are ignored, omitted keys go', () => {
    expect(replaceMetadata({ a: 1, b: '', c: null })).toEqual({ a: 1 });
  });
});

describe('fault injector', () => {
  it('uses up counted rules and keeps uncounted ones', () => {
    const f = new FaultInjector();
    f.add([
      { kind: 'status', route: 'a', status: 503, count: 1 },
      { kind: 'latency', route: '*', ms: 5 },
    ]);
    expect(f.take('status', 'b')).toBeUndefined();
    expect(f.take('status', 'a')?.status).toBe(503);
    expect(f.take('status', 'a')).toBeUndefined();
    expect(f.take('latency', 'x')?.ms).toBe(5);
    expect(f.take('latency', 'y')?.ms).toBe(5);
  });
});
