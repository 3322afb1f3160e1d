import { afterEach, describe, expect, it, vi } from 'vitest';
import { bandwidthAt } from '../../electron/core/queue/bandwidth-schedule.ts';
import { BandwidthScheduler } from '../../electron/core/queue/bandwidth-scheduler.ts';
import { parseBandwidth } from '../../electron/cli/bandwidth-option.ts';
import type { BandwidthInEffect, BandwidthRule } from '../../electron/shared/settings-types.ts';

// Local times on known weekdays: 2026-11-30 is a Monday, 2026-12-05 a Saturday.
const monday = (h: number, m = 0) => new Date(2026, 10, 30, h, m);
const WEEKDAYS = [1, 2, 3, 4, 5];
const office: BandwidthRule = { days: WEEKDAYS, from: '09:00', to: '18:00', bytesPerSecond: 2_000_000 };

describe('the limit in force at a given time', () => {
  it('is the plain limit when there is no schedule', () => {
    expect(bandwidthAt([], 5_000_000, monday(12))).toEqual({ bytesPerSecond: 5_000_000 });
  });

  it("follows a window's days and hours, and says when it changes next", () => {
    expect(bandwidthAt([office], 0, monday(8, 59))).toEqual({
      bytesPerSecond: 0,
      until: monday(9).getTime(),
    });
    expect(bandwidthAt([office], 0, monday(9))).toEqual({
      bytesPerSecond: 2_000_000,
      rule: 0,
      until: monday(18).getTime(),
    });
    expect(bandwidthAt([office], 0, monday(18))).toMatchObject({ bytesPerSecond: 0 });
    // Saturday noon: no window until Monday 09:00.
    expect(bandwidthAt([office], 0, new Date(2026, 11, 5, 12))).toEqual({
      bytesPerSecond: 0,
      until: new Date(2026, 11, 7, 9).getTime(),
    });
  });

  it('runs a window past midnight when it ends before it starts', () => {
    const night: BandwidthRule = { days: [5], from: '22:00', to: '06:00', bytesPerSecond: 0 };
    const plain = 1_000_000;
    // Friday 23:00 and Saturday 03:00 are in Friday's window; Saturday 22:30 is not (Friday only).
    expect(bandwidthAt([night], plain, new Date(2026, 11, 4, 23))).toMatchObject({
      bytesPerSecond: 0,
      rule: 0,
    });
    expect(bandwidthAt([night], plain, new Date(2026, 11, 5, 3))).toEqual({
      bytesPerSecond: 0,
      rule: 0,
      until: new Date(2026, 11, 5, 6).getTime(),
    });
    expect(bandwidthAt([night], plain, new Date(2026, 11, 5, 22, 30))).toMatchObject({
      bytesPerSecond: plain,
    });
  });

  it('gives overlapping windows to the first rule, and a window whose ends are equal lasts a whole day', () => {
    const lunch: BandwidthRule = { days: [1], from: '12:00', to: '13:00', bytesPerSecond: 0 };
    expect(bandwidthAt([lunch, office], 500_000, monday(12, 30))).toEqual({
      bytesPerSecond: 0,
      rule: 0,
      until: monday(13).getTime(),
    });
    expect(bandwidthAt([lunch, office], 500_000, monday(13))).toEqual({
      bytesPerSecond: 2_000_000,
      rule: 1,
      until: monday(18).getTime(),
    });
    const allMonday: BandwidthRule = { days: [1], from: '00:00', to: '00:00', bytesPerSecond: 7 };
    expect(bandwidthAt([allMonday], 0, monday(23, 59))).toEqual({
      bytesPerSecond: 7,
      rule: 0,
      until: new Date(2026, 11, 1, 0, 0).getTime(),
    });
    // Windows that join up never end: no "until" at the edge of the days looked at.
    const always: BandwidthRule = { ...allMonday, days: [0, 1, 2, 3, 4, 5, 6] };
    expect(bandwidthAt([always], 0, monday(12))).toEqual({ bytesPerSecond: 7, rule: 0 });
  });

  it('keeps wall-clock times across a daylight-saving change', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'Europe/Berlin'; // clocks go from 02:00 to 03:00 on Sunday 2026-03-29
    try {
      const early: BandwidthRule = { days: [0], from: '01:00', to: '04:00', bytesPerSecond: 1 };
      const at = new Date(2026, 2, 29, 1, 30);
      const { until } = bandwidthAt([early], 0, at);
      expect(new Date(until!).getHours()).toBe(4);
      expect(until! - at.getTime()).toBe(90 * 60_000); // 2.5 h of wall clock, 1.5 h of real time
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

describe('the scheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('switches the limit when a window opens and closes, on time, and not in between', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(2026, 10, 30, 8, 59, 30));
    const changes: Array<BandwidthInEffect & { at: number }> = [];
    const scheduler = new BandwidthScheduler((limit) => changes.push({ ...limit, at: Date.now() }));
    scheduler.configure([office], 0);
    expect(changes).toHaveLength(1); // applied at once
    expect(changes[0]).toMatchObject({ bytesPerSecond: 0 });

    vi.advanceTimersByTime(29_999);
    expect(changes).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(changes[1]).toMatchObject({ bytesPerSecond: 2_000_000, rule: 0, at: monday(9).getTime() });

    // Nine hours of minute-by-minute looks change nothing until 18:00.
    vi.advanceTimersByTime(9 * 3_600_000 - 1);
    expect(changes).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(changes[2]).toMatchObject({ bytesPerSecond: 0, at: monday(18).getTime() });
    expect(scheduler.inEffect.rule).toBeUndefined();
    scheduler.stop();
  });

  it('notices a wall clock that jumped (sleep, a new time zone) within a minute', () => {
    vi.useFakeTimers();
    vi.setSystemTime(monday(7));
    const changes: BandwidthInEffect[] = [];
    const scheduler = new BandwidthScheduler((limit) => changes.push(limit));
    scheduler.configure([office], 0);
    // The computer slept from 07:00 to 10:00: timers did not run, the wall clock moved on.
    vi.setSystemTime(monday(10));
    vi.advanceTimersByTime(60_000);
    expect(changes.at(-1)).toMatchObject({ bytesPerSecond: 2_000_000, rule: 0 });
    scheduler.stop();
  });
});

describe('--bwlimit values', () => {
  it('reads rates as the app shows them (decimal k, M, G) and refuses anything else', () => {
    expect(parseBandwidth('500k')).toBe(500_000);
    expect(parseBandwidth('2M')).toBe(2_000_000);
    expect(parseBandwidth('1.5m')).toBe(1_500_000);
    expect(parseBandwidth('2MB/s')).toBe(2_000_000);
    expect(parseBandwidth('1200')).toBe(1_200);
    expect(parseBandwidth('off')).toBe(0);
    expect(parseBandwidth('0')).toBe(0);
    for (const bad of ['fast', '-1M', '2 T', '', '20G']) expect(parseBandwidth(bad)).toBeUndefined();
  });
});
