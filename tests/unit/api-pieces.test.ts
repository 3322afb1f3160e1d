import { describe, expect, it } from 'vitest';
import busboy from 'busboy';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { backoffDelay, serverWaitMs } from '../../electron/core/api/backoff.ts';
import { formBody } from '../../electron/core/api/form-body.ts';
import { RateLimitGate } from '../../electron/core/api/rate-gate.ts';
import { redact, redactUrl } from '../../electron/core/api/redact.ts';
import { parseAssetDetail, parseAssetPage } from '../../electron/core/api/wire.ts';
import { ResponseFormatError } from '../../electron/core/api/errors.ts';
import type { Clock } from '../../electron/core/ports.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const policy = { maxAttempts: 5, maxTotalMs: 60_000, baseDelayMs: 500, maxDelayMs: 8_000 };

describe('backoff', () => {
  it('grows exponentially under full jitter, capped, never below what the server asked', () => {
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(500);
    expect(backoffDelay(policy, 3, undefined, () => 1)).toBe(2000);
    expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(8000);
    expect(backoffDelay(policy, 3, undefined, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, 3000, () => 0.5)).toBe(3000);
  });
  it('reads Retry-After (seconds or date) and X-Ratelimit-Reset, keeping the later', () => {
    const now = 1_700_000_000_000;
    expect(serverWaitMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(serverWaitMs({ 'retry-after': new Date(now + 5000).toUTCString() }, now)).toBe(5000);
    expect(serverWaitMs({ 'retry-after': '2', 'x-ratelimit-reset': String(now / 1000 + 10) }, now)).toBe(
      10_000,
    );
    expect(serverWaitMs({}, now)).toBeUndefined();
    expect(serverWaitMs({ 'x-ratelimit-reset': String(now / 1000 - 10) }, now)).toBeUndefined();
  });
});

describe('redaction', () => {
  it('removes the key and presigned query strings', () => {
    const text =
      'key tlk_abcdef123 failed at https://s3.example.com/b/c?X-Amz-Signature=zzz&X-Amz-Expires=60 (x)';
    expect(redact(text, ['tlk_abcdef123'])).toBe(
      'key [redacted] failed at https://s3.example.com/b/c?[redacted] (x)',
    );
    expect(redactUrl('http://127.0.0.1:1/_storage/a/1?X-Amz-Signature=s')).toBe(
      'http://127.0.0.1:1/_storage/a/1?[redacted]',
    );
  });
});

describe('rate-limit gate', () => {
  it('holds every caller of a closed category until it reopens, others pass', async () => {
    let now = 0;
    const slept: number[] = [];
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    };
    const gate = new RateLimitGate(clock, 100, () => 0.5);
    gate.close('create', 3000);
    gate.close('create', 1000); // an earlier reopening never shortens the wait
    await gate.pass('read');
    expect(slept).toEqual([]);
    await gate.pass('create');
    expect(slept).toEqual([3000, 50]);
    expect(gate.reopensAt('create')).toBeUndefined();
  });
});

describe('form body', () => {
  it('is a multipart/form-data body of exactly its announced length that a real parser reads back', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, 'f.bin');
      await writeFile(path, Buffer.from('0123456789'.repeat(1000)));
      const body = formBody(
        [
          ['method', 'direct'],
          ['filename', 'Été "quoted".mp4'],
          ['enable_hls', 'true'],
        ],
        { field: 'file', path, size: 10_000, name: 'Été "quoted".mp4' },
      );
      const chunks: Buffer[] = [];
      for await (const c of body.open()) chunks.push(Buffer.from(c));
      const bytes = Buffer.concat(chunks);
      expect(bytes.length).toBe(body.length);
      const seen: string[] = [];
      const fields: Record<string, string> = {};
      let fileBytes = 0;
      await new Promise<void>((resolve, reject) => {
        const parser = busboy({ headers: { 'content-type': body.contentType }, defParamCharset: 'utf8' });
        parser.on('field', (n, v) => {
          seen.push(n);
          fields[n] = v;
        });
        parser.on('file', (n, stream) => {
          seen.push(n);
          stream.on('data', (d: Buffer) => (fileBytes += d.length));
        });
        parser.on('close', resolve);
        parser.on('error', reject);
        Readable.from([bytes]).pipe(parser);
      });
      expect(seen).toEqual(['method', 'file', 'filename', 'enable_hls']);
      expect(fields.filename).toBe('Été "quoted".mp4');
      expect(fileBytes).toBe(10_000);
    } finally {
      await cleanup();
    }
  });
});

describe('wire parsing', () => {
  it('is lenient like the SDK: unknown fields and enum values pass, null is absent', () => {
    const a = parseAssetDetail({
      _id: 'x',
      status: 'waiting',
      new_field: 1,
      size: null,
      hls: { status: 'ready', manifest_url: 'u' },
    });
    expect(a).toEqual({ id: 'x', status: 'waiting', hls: { status: 'ready', manifestUrl: 'u' } });
  });
  it('fails on wrong types with a clear message', () => {
    expect(() => parseAssetDetail({ _id: 5 })).toThrow(ResponseFormatError);
    expect(() => parseAssetPage({ data: [{ _id: 'a' }], page_info: { total_page: '1' } })).toThrow(
      /page_info.total_page/,
    );
  });
});
