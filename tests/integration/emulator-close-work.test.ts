/**
 * Closing the Sandbox waits for its background work (emulator/background-work.ts): an ffmpeg
 * repackaging an upload for HLS is stopped and waited for, nothing half-done is saved, and the
 * next start on the same data folder finishes the work. Before, close() returned while ffmpeg
 * still wrote into the data folder, and removing it failed now and then with ENOTEMPTY.
 * The ffmpeg here is a stand-in that says its pid and holds still until killed, so "in flight at
 * close" is a fact the test waits for, not a guess about timing.
 */
import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.ts';
import { createAssetWithHls } from '../helpers/emulator-control.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';

const run = promisify(execFile);
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(async () => {
  delete process.env.TL_EMULATOR_FFMPEG;
  await cleanup();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: no such process, which is what the test asks
  }
};

it('close stops and waits for an ffmpeg under way; the next start finishes the stream', async () => {
  const mov = join(dir, 'clip.mov');
  await run('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=d=1:s=160x120:r=10'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', mov],
  ]);
  const marker = join(dir, 'ffmpeg.pid');
  const standIn = join(dir, 'slow-ffmpeg.sh');
  await writeFile(standIn, `#!/bin/sh\necho $$ > '${marker}'\nexec sleep 60\n`);
  await chmod(standIn, 0o755);
  process.env.TL_EMULATOR_FFMPEG = standIn;

  const data = join(dir, 'sandbox');
  let emulator = await startEmulator({ dataDir: data, processingMs: 0 });
  const id = await createAssetWithHls(emulator.url, 'clip.mov', await readFile(mov));

  const pid = await until(
    'the stand-in ffmpeg started',
    async () => Number((await readFile(marker, 'utf8').catch(() => '')).trim()) || undefined,
  );
  expect(alive(pid)).toBe(true);
  await emulator.close();
  // Stopped and waited for: not left writing into the data folder.
  expect(alive(pid)).toBe(false);

  // Nothing half-done was saved: the next start (real ffmpeg) processes it and streams it.
  delete process.env.TL_EMULATOR_FFMPEG;
  emulator = await startEmulator({ dataDir: data, processingMs: 0 });
  try {
    const asset = await until('clip.mov processed after the restart', async () => {
      const res = await fetch(`${emulator.url}/assets/${id}`, { headers: { 'x-api-key': 'k' } });
      const body = (await res.json()) as { status: string; hls?: { status?: string } };
      return body.status !== 'processing' ? body : undefined;
    });
    expect(asset).toMatchObject({ status: 'ready', hls: { status: 'ready' } });
  } finally {
    await emulator.close();
  }
}, 60_000);
