/**
 * Emulator ingest: memory must stay flat whatever the upload size, and bytes must land about as
 * fast as the disk takes them. Reference: `cp` of the same file to the same disk, in the same run.
 * The client is curl (`-F file=@…`, streaming), so only the emulator's own cost is measured.
 */
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { writeMp4File } from '../tests/helpers/media.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
import { curlMultipartUpload } from './curl-multipart.ts';
import {
  curlDirectUpload,
  fmtMiB,
  fmtRate,
  MiB,
  processMemory,
  spawnEmulator,
  table,
  timeCommand,
} from './lib.ts';

export async function run(): Promise<void> {
  const { dir, cleanup } = await makeTempDir('tl-bench-emulator-');
  const rows: string[][] = [];
  try {
    for (const [label, bytes, how] of [
      ['190 MB direct', 190 * 1000 * 1000, 'direct'],
      ['1 GiB direct (rejected at 200 MB)', 1024 * MiB, 'direct'],
      ['1 GiB by chunks of 5 MiB (multipart PUTs)', 1024 * MiB, 'chunks'],
    ] as const) {
      const file = await writeMp4File(join(dir, 'media.mp4'), bytes, 3);
      const copy = await timeCommand('cp', [file, join(dir, 'copy.mp4')]);
      await rm(join(dir, 'copy.mp4'));
      const emulator = await spawnEmulator(['--data-dir', join(dir, 'emulator'), '--processing-ms', '60000']);
      const before = await processMemory(emulator.child.pid!);
      let ms: number;
      if (how === 'direct') {
        ({ ms } = await curlDirectUpload(emulator.url, file));
      } else {
        ms = await curlMultipartUpload(emulator.url, file, bytes, dir, { parallel: 1, report: false });
      }
      const after = await processMemory(emulator.child.pid!);
      await emulator.stop();
      await rm(join(dir, 'emulator'), { recursive: true, force: true });
      rows.push([
        label,
        fmtRate(bytes, ms),
        fmtRate(bytes, copy.ms),
        (copy.ms / ms).toFixed(2),
        fmtMiB(before.rss),
        fmtMiB(after.peak),
        fmtMiB(after.peak - before.rss),
      ]);
    }
  } finally {
    await cleanup();
  }
  console.log(table(['upload', 'ingest', 'cp', 'ingest / cp', 'RSS before', 'peak RSS', 'growth'], rows));
  console.log(
    '\nTarget: growth under 64 MiB for every size. "ingest / cp" is the ingest rate as a fraction of cp.',
  );
}
