import { execFile } from 'node:child_process';
import { chmod, rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { hlsSourceOf, type HlsSource } from './hls-stream.ts';

const run = promisify(execFile);
/** The end of the last repackaging asked for (they run one after another). */
let lastRemux: Promise<void> = Promise.resolve();

/**
 * The Sandbox has no encoder of its own, so an upload that is not already streamable (an ordinary
 * MP4 or MOV, WebM, MKV: samples in one block, not in fragments) is repackaged by ffmpeg when one
 * is installed: its first video and audio tracks copied, not re-encoded, into a fragmented MP4
 * beside the upload, which hls-stream.ts then streams. Where there is no ffmpeg (a packaged app),
 * or ffmpeg cannot copy the codecs into MP4 (PCM audio), there is no stream and `hls.status` says
 * `error`. `TL_EMULATOR_FFMPEG` names the program ('' turns repackaging off).
 */
export const streamCopyPath = (blobPath: string): string => `${blobPath}.stream.mp4`;

/** The file to stream for an upload and how, if the Sandbox has a stream of it. */
export async function streamOf(blobPath: string): Promise<{ path: string; source: HlsSource } | undefined> {
  for (const path of [streamCopyPath(blobPath), blobPath]) {
    // A copy that is not there (the usual case) or an unreadable file is simply no stream.
    const source = await hlsSourceOf(path).catch(() => undefined);
    if (source) return { path, source };
  }
  return undefined;
}

/** Makes the upload streamable if it can be (repackaged by ffmpeg); true when there is a stream. */
export async function prepareStream(blobPath: string): Promise<boolean> {
  if (await streamOf(blobPath)) return true;
  const ffmpeg = process.env.TL_EMULATOR_FFMPEG ?? 'ffmpeg';
  if (!ffmpeg) return false;
  const copy = streamCopyPath(blobPath);
  const part = `${copy}.part`;
  // One ffmpeg at a time: a hundred videos dropped at once must not start a hundred processes.
  const turn = lastRemux.then(() => undefined);
  let done!: () => void;
  lastRemux = new Promise<void>((resolve) => (done = resolve));
  await turn;
  try {
    await run(
      ffmpeg,
      [
        ...['-nostdin', '-loglevel', 'error', '-y', '-i', blobPath],
        ...['-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-f', 'mp4'],
        ...['-movflags', 'frag_keyframe+empty_moov+default_base_moof', part],
      ],
      { timeout: 120_000 },
    );
    await chmod(part, 0o600); // as every file of the Sandbox's data folder (ffmpeg leaves the umask's)
    await rename(part, copy);
  } catch {
    // No ffmpeg, or nothing it can copy into MP4: no stream, which hls.status says (error).
    await rm(part, { force: true });
    return false;
  } finally {
    done();
  }
  return (await streamOf(blobPath)) !== undefined;
}
