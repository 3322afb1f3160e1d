/** The one size formatter (electron/shared/format.ts): the renderer, the CLI and the core's messages. */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from '../../electron/shared/format.ts';
import { LIMITS } from '../../electron/core/media/limits.ts';

describe('formatBytes', () => {
  it('says a limit as it is written, and a size just over it as more', () => {
    expect(formatBytes(LIMITS.direct.image)).toBe('32 MB');
    expect(formatBytes(LIMITS.multipart.video)).toBe('10 GB');
    expect(formatBytes(10_040_000_000)).toBe('10.04 GB');
    expect(formatBytes(32_400_000)).toBe('32.4 MB');
  });

  it('rounds to what a person reads, in decimal units', () => {
    expect(
      [0, 999, 1000, 1500, 200_000, 2_345_678, 123_456_789, 4_290_000_000, 2e12].map((n) => formatBytes(n)),
    ).toEqual(['0 B', '999 B', '1 kB', '1.5 kB', '200 kB', '2.3 MB', '123 MB', '4.29 GB', '2 TB']);
  });

  it('marks an unknown size with the caller’s own mark', () => {
    expect(formatBytes(undefined)).toBe('—');
    expect(formatBytes(Number.NaN, '-')).toBe('-');
  });
});

describe('formatDuration', () => {
  it('says minutes and seconds, and hours when there are any', () => {
    expect([0, 59.6, 61, 3599, 3600, 3725].map((s) => formatDuration(s))).toEqual([
      '0:00',
      '1:00',
      '1:01',
      '59:59',
      '1:00:00',
      '1:02:05',
    ]);
  });
});
