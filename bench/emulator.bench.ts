/**
 * Emulator ingest: memory must stay flat whatever the upload size, and bytes must land about as
 * fast as the disk takes them. Reference: `cp` of the same file to the same disk, in the same run.
 * The client is curl (`-F file=@…`, streaming), so only the emulator's own cost is measured.
 */
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { writeMp4File } from '../tests/helpers/media.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
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
        ms = await uploadByChunks(emulator.url, file, bytes, dir);
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

/** Creates a multipart session and PUTs every chunk with curl, reading each from its offset. */
async function uploadByChunks(baseUrl: string, file: string, bytes: number, dir: string): Promise<number> {
  const headers = { 'x-api-key': 'bench', 'content-type': 'application/json' };
  const session = (await (
    await fetch(`${baseUrl}/assets/multipart-uploads`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ filename: 'bench.mp4', type: 'video', total_size: bytes }),
    })
  ).json()) as { upload_id: string; chunk_size: number; total_chunks: number };
  const { split } = await import('./split.ts');
  const chunks = await split(file, session.chunk_size, join(dir, 'chunks'));
  const started = process.hrtime.bigint();
  for (let start = 1; start <= session.total_chunks; start += 50) {
    const urls = (await (
      await fetch(`${baseUrl}/assets/multipart-uploads/${session.upload_id}/presigned-urls`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ start, count: 50 }),
      })
    ).json()) as { upload_urls: Array<{ chunk_index: number; url: string }> };
    for (const u of urls.upload_urls)
      await timeCommand('curl', ['-sS', '-o', '/dev/null', '-T', chunks[u.chunk_index - 1]!, u.url]);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await rm(join(dir, 'chunks'), { recursive: true, force: true });
  return ms;
}
