import type { BandwidthInEffect, BandwidthRule } from '../../shared/settings-types.ts';

const MINUTES_PER_DAY = 24 * 60;
/**
 * Windows are laid out from the day before to this many days after: enough that every window
 * containing a moment of the coming week is there. A weekly schedule repeats, so a limit that
 * does not change within a week never does.
 */
const HORIZON_DAYS = 8;
const WEEK_MS = 7 * 24 * 3_600_000;

interface Window {
  rule: number;
  start: number;
  end: number;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * Every window of every rule that overlaps [at − 1 day, at + HORIZON_DAYS], in local time. Dates
 * are built from calendar fields, so a window keeps its wall-clock times across a DST change.
 */
function windowsAround(schedule: readonly BandwidthRule[], at: Date): Window[] {
  const windows: Window[] = [];
  schedule.forEach((rule, index) => {
    const from = minutes(rule.from);
    const length = (minutes(rule.to) - from + MINUTES_PER_DAY) % MINUTES_PER_DAY || MINUTES_PER_DAY;
    for (let offset = -1; offset <= HORIZON_DAYS; offset++) {
      const day = new Date(at.getFullYear(), at.getMonth(), at.getDate() + offset);
      if (!rule.days.includes(day.getDay())) continue;
      const start = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 0, from);
      const end = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 0, from + length);
      windows.push({ rule: index, start: start.getTime(), end: end.getTime() });
    }
  });
  return windows;
}

function limitAmong(
  windows: readonly Window[],
  schedule: readonly BandwidthRule[],
  plain: number,
  t: number,
) {
  let rule: number | undefined;
  for (const w of windows)
    if (w.start <= t && t < w.end && (rule === undefined || w.rule < rule)) rule = w.rule;
  return rule === undefined
    ? { bytesPerSecond: plain }
    : { bytesPerSecond: schedule[rule]!.bytesPerSecond, rule };
}

/**
 * The limit in force at `at`: the first rule whose window contains it, else the plain limit; and
 * when that changes next (the first window edge after `at` where the limit or the rule differs),
 * absent when it never does (windows that join up, such as every day 00:00–00:00).
 */
export function bandwidthAt(schedule: readonly BandwidthRule[], plain: number, at: Date): BandwidthInEffect {
  const windows = windowsAround(schedule, at);
  const now = limitAmong(windows, schedule, plain, at.getTime());
  const edges = [...new Set(windows.flatMap((w) => [w.start, w.end]))]
    .filter((t) => t > at.getTime() && t <= at.getTime() + WEEK_MS)
    .sort((a, b) => a - b);
  for (const edge of edges) {
    const then = limitAmong(windows, schedule, plain, edge);
    if (then.bytesPerSecond !== now.bytesPerSecond || then.rule !== now.rule) return { ...now, until: edge };
  }
  return now;
}
