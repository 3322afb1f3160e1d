/**
 * Type detection attacked with media that is not whole or not only media (issue 13): the first
 * kilobyte of a real MP4 (its header only), a text or a zip renamed as a movie, polyglots. Real
 * media made by ffmpeg, written to disk and read back as the app reads it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectType, readHeader } from '../../electron/core/media/detect-type.ts';
import { zip } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const run = promisify(execFile);
const FFMPEG = '/usr/bin/ffmpeg';
const haveFfmpeg = existsSync(FFMPEG);
if (!haveFfmpeg) console.warn(`skipped: no ffmpeg at ${FFMPEG} to make real media`);
let dir: string;
let cleanup: () => Promise<void>;
const media: Record<string, Buffer> = {};

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('tl-detect-hostile-'));
  const video = ['-f', 'lavfi', '-i', 'testsrc=s=64x48:d=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'];
  if (!haveFfmpeg) return;
  // Media data first, movie box last (ffmpeg's default), and the movie box first (faststart).
  await run(FFMPEG, ['-v', 'error', '-y', ...video, join(dir, 'clip.mp4')]);
  await run(FFMPEG, ['-v', 'error', '-y', ...video, '-movflags', '+faststart', join(dir, 'fast.mp4')]);
  await run(FFMPEG, ['-v', 'error', '-y', ...video, '-f', 'mov', join(dir, 'clip.mov')]);
  for (const name of ['clip.mp4', 'fast.mp4', 'clip.mov']) media[name] = await readFile(join(dir, name));
}, 60_000);
afterAll(() => cleanup());

async function detectFile(name: string, data: Buffer | string) {
  const path = join(dir, name);
  await writeFile(path, data);
  return detectType(await readHeader(path));
}

describe.skipIf(!haveFfmpeg)('media that is not whole, or not only media', () => {
  it('the whole files pass', async () => {
    expect(await detectFile('whole.mp4', media['clip.mp4']!)).toEqual({ kind: 'video', mime: 'video/mp4' });
    expect(await detectFile('whole-fast.mp4', media['fast.mp4']!)).toEqual({
      kind: 'video',
      mime: 'video/mp4',
    });
    expect(await detectFile('whole.mov', media['clip.mov']!)).toMatchObject({ kind: 'video' });
    // Padding a copy left after the last box is not a box: still the movie.
    const padded = Buffer.concat([media['clip.mp4']!, Buffer.alloc(7)]);
    expect(await detectFile('padded.mp4', padded)).toEqual({ kind: 'video', mime: 'video/mp4' });
  });

  it.each([
    ['the first kilobyte of an MP4 (its media data first)', 'clip.mp4', 1024],
    ['the first 64 bytes of an MP4', 'clip.mp4', 64],
    ['the first kilobyte of a faststart MP4 (its movie box first)', 'fast.mp4', 1024],
    ['a QuickTime movie cut in half', 'clip.mov', 0.5],
  ] as const)('%s is refused', async (_what, name, cut) => {
    const whole = media[name]!;
    const bytes = whole.subarray(0, cut < 1 ? Math.floor(whole.length * cut) : cut);
    expect(await detectFile(`cut-${name}`, bytes)).toBeUndefined();
  });

  it.each([
    ['a text renamed .mp4', () => Buffer.from('Shot list\n1. wide\n2. close-up\n'.repeat(40))],
    ['a zip renamed .mov', () => zip()],
    [
      'a shell script with a movie after it',
      () => Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), media['clip.mp4']!]),
    ],
    [
      'a PDF with a movie after it',
      () => Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\n', 'latin1'), media['clip.mp4']!]),
    ],
    ['a zip with a movie stored in it', () => Buffer.concat([zip(), media['clip.mp4']!])],
  ])('%s is refused', async (what, data) => {
    expect(await detectFile(what.replace(/\W+/g, '-'), data())).toBeUndefined();
  });
});
