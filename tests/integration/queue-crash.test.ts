/**
 * The crash test: a queue of 40 files (three above 200 MB) in a real child process, SIGKILLed at
 * random moments five times in a row. After the last restart every file is `ready` exactly once
 * on the emulator, and multipart files re-sent at most the chunks in flight at each kill.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { mp4, png, wav, writeFixture, writeMp4File } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 100 });
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

function runChild(manifest: string, dataDir: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/helpers/queue-child.ts', emulator.url, dataDir, manifest],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

it('survives five SIGKILLs: every file ends ready exactly once', async () => {
  const files: string[] = [];
  for (let i = 0; i < 37; i++) {
    const name = join(dir, `small-${String(i).padStart(2, '0')}`);
    if (i % 3 === 0)
      files.push(
        await writeFixture(`${name}.mp4`, mp4({ payloadBytes: 200_000 + i * 60_000, seed: 1000 + i })),
      );
    else if (i % 3 === 1)
      files.push(await writeFixture(`${name}.wav`, wav(0.5 + i / 20, 8000, 200 + i * 10)));
    else files.push(await writeFixture(`${name}.png`, png(16 + i, 16)));
  }
  for (let i = 0; i < 3; i++)
    files.push(await writeMp4File(join(dir, `big-${i}.mp4`), (205 + i * 5) * 1024 * 1024, 2000 + i));
  const manifest = join(dir, 'manifest.json');
  await writeFile(manifest, JSON.stringify(files));
  const dataDir = join(dir, 'data');

  let seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
  console.log(`crash test: CRASH_SEED=${seed} reproduces these kill times`);
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let kill = 0; kill < 5; kill++) {
    const run = runChild(manifest, dataDir);
    await new Promise((r) => setTimeout(r, 700 + random() * 2000));
    run.child.kill('SIGKILL');
    await run.exited;
    expect(run.output()).not.toContain('idle'); // it was killed mid-work, not finished
  }
  const last = runChild(manifest, dataDir);
  expect(await last.exited).toBe(0);
  expect(last.output()).toMatch(/^idle /);
  const states = JSON.parse(last.output().slice(5)) as string[];
  expect(states).toEqual(Array(40).fill('ready'));

  const control = new EmulatorControl(emulator.origin);
  const assets: Array<{ filename: string; status: string }> = [];
  for (let page = 1; page <= 2; page++) {
    const res = await fetch(`${emulator.url}/assets?page_limit=50&page=${page}`, {
      headers: { 'x-api-key': 'k' },
    });
    assets.push(...((await res.json()) as { data: typeof assets }).data);
  }
  expect(assets).toHaveLength(40);
  expect(new Set(assets.map((a) => a.filename)).size).toBe(40);
  expect(assets.every((a) => a.status === 'ready')).toBe(true);

  // One session per big file, and chunk PUTs beyond the minimum bounded by what can be in flight.
  expect(await control.requests('multipart.create')).toHaveLength(3);
  const puts = (await control.requests('storage.put')).filter((r) => r.status === 200);
  const chunksNeeded = [205, 210, 215].reduce(
    (sum, mb) => sum + Math.ceil((mb * 1024 * 1024) / (5 * 1024 * 1024)),
    0,
  );
  const resent = puts.length - chunksNeeded;
  console.log(
    `crash test: ${puts.length} chunk PUTs for ${chunksNeeded} chunks (${resent} re-sent over 5 kills)`,
  );
  // At most 3 files × 4 chunks in flight at each of the 5 kills.
  expect(resent).toBeLessThanOrEqual(5 * 3 * 4);
}, 240_000);
