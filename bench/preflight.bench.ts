/**
 * The model preflight's cost per file (issue 17): reading a video's container with mediainfo.js
 * (header and index only) against a plain `stat` of the same file, over real MP4, MOV, MKV and
 * WebM files made by ffmpeg (one with its index at the end, one large). Target: under 50 ms a
 * file once MediaInfo is loaded, and never more than the header and index read.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContainerProbe } from '../electron/core/media/container-probe.ts';
import { fmtMiB, table } from './lib.ts';

const ff = promisify(execFile);
const ROUNDS = 20;

async function make(path: string, args: string[]): Promise<string> {
  await ff('ffmpeg', ['-loglevel', 'error', '-y', ...args, path]);
  return path;
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tl-bench-preflight-'));
  try {
    const src = ['-f', 'lavfi', '-i', 'testsrc=d=8:s=640x360:r=25', '-f', 'lavfi', '-i', 'sine=d=8'];
    const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];
    const noisy = ['-vf', 'noise=alls=60:allf=t+u', '-qp', '10'];
    const files = [
      await make(join(dir, 'front.mp4'), [...src, ...h264, '-movflags', '+faststart']),
      await make(join(dir, 'tail.mov'), [...src, ...h264]),
      await make(join(dir, 'clip.mkv'), [...src, ...h264]),
      await make(join(dir, 'clip.webm'), [
        ...src,
        '-c:v',
        'libvpx',
        '-deadline',
        'realtime',
        '-c:a',
        'libopus',
      ]),
      await make(join(dir, 'large.mp4'), [...src, ...h264, ...noisy]),
    ];
    const probe = new ContainerProbe();
    const warmStart = performance.now();
    await probe.probe(files[0]!);
    const warmUp = performance.now() - warmStart;
    const rows: string[][] = [];
    for (const file of files) {
      let probeMs = 0;
      let statMs = 0;
      let facts = await probe.probe(file);
      for (let i = 0; i < ROUNDS; i++) {
        const a = performance.now();
        await stat(file);
        const b = performance.now();
        facts = await probe.probe(file);
        probeMs += performance.now() - b;
        statMs += b - a;
      }
      const perFile = probeMs / ROUNDS;
      rows.push([
        file.split('/').pop()!,
        fmtMiB(facts.size),
        fmtMiB(facts.bytesRead),
        `${perFile.toFixed(1)} ms`,
        `${((statMs / ROUNDS) * 1000).toFixed(0)} µs`,
        `${(probeMs / statMs).toFixed(0)}×`,
        perFile < 50 ? 'yes' : 'NO',
      ]);
    }
    probe.close();
    console.log(`MediaInfo start-up (WASM, once per process): ${warmUp.toFixed(0)} ms\n`);
    console.log(table(['file', 'size', 'read', 'preflight/file', 'stat/file', 'ratio', '< 50 ms'], rows));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
