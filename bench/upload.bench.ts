/**
 * Upload throughput and memory of our client, side by side with curl and the official SDK,
 * against the same emulator in the same run. Targets: ≥ 0.9× curl, RSS growth < 64 MiB.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { writeMp4File } from '../tests/helpers/media.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
import { curlDirectUpload, fmtMiB, fmtRate, MiB, spawnEmulator, table } from './lib.ts';
import { curlMultipartUpload } from './curl-multipart.ts';
import { pinApart } from './cpu-pinning.ts';

interface ChildResult {
  ms: number;
  baselineRss: number;
  peakRss: number;
}

function runChild(mode: string, url: string, path: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/upload-child.ts', mode, url, path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult)
        : reject(new Error(`${mode} exited ${code}`)),
    );
  });
}

/**
 * Median of seven interleaved rounds after one unrecorded warm-up round: a 2-core machine is noisy,
 * one run proves little, and the first upload of each sender is slow for all of them.
 */
const RUNS = 7;
function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
function medianResult(results: ChildResult[]): ChildResult {
  const ms = median(results.map((r) => r.ms));
  return {
    ms,
    baselineRss: Math.min(...results.map((r) => r.baselineRss)),
    peakRss: Math.max(...results.map((r) => r.peakRss)),
  };
}

export async function run(): Promise<void> {
  const { dir, cleanup } = await makeTempDir('tl-bench-upload-');
  // The emulator keeps uploads in memory-backed storage and forgets them after each one: with a
  // disk, write-back of the previous upload and fresh page-cache pages slowed whichever sender
  // came next (the same sender swung 2x between rounds), which measured the disk, not the client.
  const shm = existsSync('/dev/shm') ? { ...process.env, TMPDIR: '/dev/shm' } : process.env;
  const emulator = await spawnEmulator(['--processing-ms', '600000'], shm);
  const pinning = await pinApart(emulator.child.pid!);
  const forget = () => fetch(`${emulator.url.replace('/v1.3', '')}/_emulator/reset`, { method: 'POST' });
  const rows: string[][] = [];
  const ratios: string[] = [];
  try {
    const direct = await writeMp4File(join(dir, 'direct.mp4'), 190 * 1000 * 1000, 11);
    const directSize = 190 * 1000 * 1000;
    const d = await rounds(
      () => curlDirectUpload(emulator.url, direct).then((r) => r.ms),
      () => runChild('ours-direct', emulator.url, direct),
      () => runChild('sdk-direct', emulator.url, direct),
      forget,
    );
    rows.push(row('direct 190 MB', directSize, median(d.curl), medianResult(d.ours), medianResult(d.sdk)));
    ratios.push(`direct: ${roundRatios(d.curl, d.ours)}`);
    await rm(direct);

    const big = await writeMp4File(join(dir, 'big.mp4'), 1024 * MiB, 12);
    const m = await rounds(
      // Four curl processes at a time, as our client sends four chunks at a time, and the same
      // reports, so both do the same work.
      () => curlMultipartUpload(emulator.url, big, 1024 * MiB, dir, { parallel: 4, report: true }),
      () => runChild('ours-multipart', emulator.url, big),
      () => runChild('sdk-multipart', emulator.url, big),
      forget,
    );
    rows.push(row('multipart 1 GiB', 1024 * MiB, median(m.curl), medianResult(m.ours), medianResult(m.sdk)));
    ratios.push(`multipart: ${roundRatios(m.curl, m.ours)}`);
  } finally {
    await pinning.restore();
    await emulator.stop();
    await cleanup();
  }
  console.log(
    table(
      ['upload', 'curl', 'ours', 'SDK', 'ours / curl', 'ours / SDK', 'ours RSS growth', 'SDK RSS growth'],
      rows,
    ),
  );
  console.log(`\nours / curl in each round: ${ratios.join('; ')}`);
  console.log(
    `Median of ${RUNS} interleaved rounds (after a warm-up round), ${pinning.summary}. Targets: ours / curl ≥ 0.9; RSS growth under 64 MiB whatever the size.`,
  );
}

/** RUNS interleaved rounds of the three senders after a warm-up round, the emulator emptied after each upload. */
async function rounds(
  curl: () => Promise<number>,
  ours: () => Promise<ChildResult>,
  sdk: () => Promise<ChildResult>,
  forget: () => Promise<unknown>,
): Promise<{ curl: number[]; ours: ChildResult[]; sdk: ChildResult[] }> {
  const out = { curl: [] as number[], ours: [] as ChildResult[], sdk: [] as ChildResult[] };
  for (let i = 0; i <= RUNS; i++) {
    const c = await curl();
    await forget();
    const o = await ours();
    await forget();
    const s = await sdk();
    await forget();
    if (i === 0) continue; // warm-up
    out.curl.push(c);
    out.ours.push(o);
    out.sdk.push(s);
  }
  return out;
}

/** Each round's ratio (curl and ours ran back to back, so drift cancels), and their median. */
function roundRatios(curlMs: number[], ours: ChildResult[]): string {
  const each = curlMs.map((c, i) => c / ours[i]!.ms);
  return `${each.map((r) => r.toFixed(2)).join(' ')} (median ${median(each).toFixed(2)})`;
}

function row(label: string, bytes: number, curlMs: number, ours: ChildResult, sdk: ChildResult): string[] {
  return [
    label,
    fmtRate(bytes, curlMs),
    fmtRate(bytes, ours.ms),
    fmtRate(bytes, sdk.ms),
    (curlMs / ours.ms).toFixed(2),
    (sdk.ms / ours.ms).toFixed(2),
    fmtMiB(ours.peakRss - ours.baselineRss),
    fmtMiB(sdk.peakRss - sdk.baselineRss),
  ];
}
