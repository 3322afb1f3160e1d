import { describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthError,
  NetworkError,
  RateLimitedError,
  SourceChangedError,
  StallError,
} from '../../electron/core/api/errors.ts';
import { UploadSessionLostError } from '../../electron/core/api/multipart-upload.ts';
import { chooseMethod } from '../../electron/core/media/limits.ts';
import { detectType } from '../../electron/core/media/detect-type.ts';
import { TokenBucketLimiter } from '../../electron/core/queue/bandwidth.ts';
import { decide } from '../../electron/core/queue/error-policy.ts';
import { InputRejected, validateMediaUrl, filenameFromUrl } from '../../electron/core/queue/preflight.ts';
import { MemoryDocumentStore } from '../../electron/core/store/document-store.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import type { Clock } from '../../electron/core/ports.ts';
import { JPEG_16x8, mp4, png, wav } from '../helpers/media.ts';

function fakeClock(): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

describe('bandwidth limiter', () => {
  it('holds the sum of all takers to the rate', async () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter(1_000_000, clock);
    for (let i = 0; i < 40; i++) await limiter.take(256 * 1024);
    // 10 MiB at 1 MB/s: about 10.5 s of (fake) time, give or take the first burst.
    expect(clock.t).toBeGreaterThanOrEqual(10_000);
    expect(clock.t).toBeLessThanOrEqual(10_800);
  });
  it('changes rate live and 0 means unlimited', async () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter(0, clock);
    await limiter.take(100_000_000);
    expect(clock.t).toBe(0);
    limiter.setRate(500_000);
    await limiter.take(1_000_000);
    expect(clock.t).toBeGreaterThanOrEqual(1_900);
  });
});

describe('error policy', () => {
  const now = 1_000;
  it('makes transient problems wait with a reason and a time', () => {
    expect(decide(new NetworkError('x', 'ECONNREFUSED'), 1, now, () => 0)).toEqual({
      kind: 'wait',
      reason: { code: 'offline', message: 'Waiting for the network', resumeAt: 3_000 },
    });
    expect(decide(new RateLimitedError('too_many_requests', 'x', 60_000), 1, now, () => 0)).toMatchObject({
      kind: 'wait',
      reason: { code: 'rate-limited', resumeAt: 61_000 },
    });
    expect(decide(new ApiError(503, undefined, 'x'), 2, now, () => 0)).toMatchObject({
      kind: 'wait',
      reason: { code: 'server', resumeAt: 6_000 },
    });
    expect(decide(new StallError(60_000), 1, now)).toMatchObject({
      kind: 'wait',
      reason: { code: 'server' },
    });
  });
  it('fails only what waiting will not fix', () => {
    expect(decide(new ApiError(400, 'parameter_invalid', 'The file is too big.'), 1, now)).toEqual({
      kind: 'fail',
      message: 'TwelveLabs refused the upload: The file is too big.',
    });
    expect(decide(new InputRejected('x is empty.'), 1, now)).toEqual({
      kind: 'fail',
      message: 'x is empty.',
    });
    expect(decide(new AuthError('api_key_invalid'), 1, now)).toEqual({ kind: 'auth' });
    expect(decide(new UploadSessionLostError('expired'), 1, now)).toEqual({ kind: 'new-session' });
    expect(
      decide(new SourceChangedError('The file was modified while it was being uploaded.'), 1, now).kind,
    ).toBe('restart');
    expect(
      decide(new SourceChangedError('The file was moved or deleted while it was being uploaded.'), 1, now)
        .kind,
    ).toBe('source-missing');
  });
});

describe('persisted document', () => {
  it('coalesces changes into one write and confirms commits', async () => {
    const store = new MemoryDocumentStore();
    const doc = new PersistedDocument(store, () => ({ n: 0 }) as Record<string, unknown> & { n: number });
    const commits = [];
    for (let i = 0; i < 100; i++) {
      doc.data.n = i;
      commits.push(doc.commit());
    }
    await Promise.all(commits);
    expect(store.writes).toBe(1);
    expect(store.load().data).toEqual({ n: 99 });
  });
});

describe('media', () => {
  it('detects types from bytes', () => {
    expect(detectType(mp4())).toEqual({ kind: 'video', mime: 'video/mp4' });
    expect(detectType(wav(0.1))).toEqual({ kind: 'audio', mime: 'audio/wav' });
    expect(detectType(png())).toEqual({ kind: 'image', mime: 'image/png' });
    expect(detectType(JPEG_16x8)).toEqual({ kind: 'image', mime: 'image/jpeg' });
    expect(detectType(Buffer.from('%PDF-1.4'))).toBeUndefined();
  });
  it('chooses direct, multipart or too large from the one limits table', () => {
    // Multipart from 10 MB (resumable: a pause keeps its chunks), direct below; images direct.
    expect(chooseMethod('video', 9_999_999)).toEqual({ method: 'direct' });
    expect(chooseMethod('audio', 10_000_000)).toEqual({ method: 'multipart' });
    expect(chooseMethod('video', 200_000_001)).toEqual({ method: 'multipart' });
    expect(chooseMethod('image', 5_000_000)).toEqual({ method: 'direct' });
    // As documented now (issue 17): multipart video/audio up to 10 GB, images up to 32 MB.
    expect(chooseMethod('audio', 4_000_000_001)).toEqual({ method: 'multipart' });
    expect(chooseMethod('audio', 10_000_000_001)).toEqual({ tooLarge: 10_000_000_000 });
    expect(chooseMethod('image', 6_000_000)).toEqual({ method: 'direct' });
    expect(chooseMethod('image', 32_000_001)).toEqual({ tooLarge: 32_000_000 });
  });
  it('validates URLs with messages a person can act on', () => {
    expect(validateMediaUrl('  https://example.com/a b.mp4 ')).toBe('https://example.com/a%20b.mp4');
    expect(() => validateMediaUrl('example.com/video.mp4')).toThrow(/is not a URL/);
    expect(() => validateMediaUrl('file:///tmp/x.mp4')).toThrow(/file: links cannot be fetched/);
    expect(() => validateMediaUrl('https://user:pw@example.com/x.mp4')).toThrow(/user name or password/);
    expect(filenameFromUrl('https://example.com/media/Clip%201.mp4?x=1')).toBe('Clip 1.mp4');
    expect(filenameFromUrl('https://example.com/')).toBe('example.com');
  });
});
