/**
 * The bandwidth schedule through the real core on the Sandbox: saved with the settings, validated,
 * reported as the limit in force, and applied to real uploads.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startEmulator } from '../../emulator/index.ts';
import type { AppSettings, BandwidthRule } from '../../electron/shared/settings-types.ts';
import { writeMp4File } from '../helpers/media.ts';
import { waitFor } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];
/** A window that is always open: every day, 24 hours. */
const always = (bytesPerSecond: number): BandwidthRule => ({
  days: EVERY_DAY,
  from: '00:00',
  to: '00:00',
  bytesPerSecond,
});

let dir: string;
let cleanup: () => Promise<void>;
let core: UploaderCore;

const open = () =>
  UploaderCore.create({
    dataDir: join(dir, 'data'),
    secrets: new MemorySecretStore(),
    startSandbox: startEmulator,
    sandboxProcessingMs: 50,
    overrides: { sandbox: true },
  });

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  core = await open();
});
afterEach(async () => {
  await core.close();
  await cleanup();
});

/** The least time `bytes` can take under a limit (the token bucket lets a quarter second's burst go free). */
const leastMsUnder = (bytes: number, bytesPerSecond: number) =>
  ((bytes - bytesPerSecond / 4) / bytesPerSecond) * 1000;

/** Uploads a fresh file and resolves with how long it took to be ready. */
async function timedUpload(name: string, bytes: number, seed: number): Promise<number> {
  const path = await writeMp4File(join(dir, name), bytes, seed);
  const started = Date.now();
  await core.invoke('uploads:add', { inputs: [{ kind: 'file', path }] });
  // Timed to the end of the transfer (the platform has the bytes), which is what the limit governs:
  // the wait for processing after it is the Sandbox's, and would only blur the figure.
  const sent = (state?: string) => state === 'processing' || state === 'ready';
  await waitFor(core.queue, (items) => sent(items.find((i) => i.name === name)?.state), 30_000);
  return Date.now() - started;
}

describe('bandwidth schedule', () => {
  it('applies the window in force to uploads, reports it, and keeps it across a restart', async () => {
    const seen: AppSettings[] = [];
    core.on('settings:changed', (s) => seen.push(s));
    const settings = await core.invoke('settings:update', {
      bandwidthBytesPerSecond: 0,
      bandwidthSchedule: [always(1_500_000)],
    });
    expect(settings.bandwidthInEffect).toMatchObject({ bytesPerSecond: 1_500_000, rule: 0 });
    expect(seen.at(-1)?.bandwidthInEffect).toMatchObject({ rule: 0 });

    // 3 MB at 1.5 MB/s, with at most a quarter second's burst free: well over 1.5 s.
    const limited = await timedUpload('limited.mp4', 3_000_000, 1);
    expect(limited).toBeGreaterThanOrEqual(1_500);

    // No windows: the plain limit (unlimited) is in force at once.
    const cleared = await core.invoke('settings:update', { bandwidthSchedule: [] });
    expect(cleared.bandwidthInEffect).toEqual({ bytesPerSecond: 0 });
    const free = await timedUpload('free.mp4', 15_000_000, 2);
    // Under the old limit these 15 MB could not take less than 9.75 s (15 MB less the quarter
    // second's burst, at 1.5 MB/s): faster means no limit. Not a ratio of two timings, which a
    // loaded machine can flip, and a margin such a machine cannot eat: free on loopback, 15 MB
    // take a fraction of that even on a busy machine.
    expect(free).toBeLessThan(leastMsUnder(15_000_000, 1_500_000));

    await core.invoke('settings:update', {
      bandwidthSchedule: [always(2_000_000)],
      folderBandwidthBytesPerSecond: 500_000,
    });
    await core.close();
    core = await open();
    expect(core.settings()).toMatchObject({
      folderBandwidthBytesPerSecond: 500_000,
      bandwidthSchedule: [always(2_000_000)],
      bandwidthInEffect: { bytesPerSecond: 2_000_000, rule: 0 },
    });
  });

  it('refuses a window it could not apply, with a message that says what is wrong', async () => {
    const bad = [
      [{ ...always(1), days: [] }, /at least one day/],
      [{ ...always(1), from: '25:00' }, /HH:MM/],
      [{ ...always(1), days: [1, 1] }, /listed twice/],
      [{ ...always(1), bytesPerSecond: -5 }, /bandwidthSchedule\.0\.bytesPerSecond/],
    ] as const;
    for (const [rule, message] of bad)
      await expect(core.invoke('settings:update', { bandwidthSchedule: [rule] })).rejects.toThrow(message);
    expect(core.settings().bandwidthSchedule).toEqual([]);
  });
});
