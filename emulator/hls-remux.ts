import { execFile } from 'node:child_process';
import { chmod, rename, rm } from 'node:fs/promises';
import { hlsSourceOf, type HlsSource } from './hls-stream.ts';

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
export async function prepareStream(blobPath: string, signal?: AbortSignal): Promise<boolean> {
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
    signal?.throwIfAborted();
    await runToEnd(
      ffmpeg,
      [
        ...['-nostdin', '-loglevel', 'error', '-y', '-i', blobPath],
        ...['-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-f', 'mp4'],
        ...['-movflags', 'frag_keyframe+empty_moov+default_base_moof', part],
      ],
      signal,
    );
    await chmod(part, 0o600); // as every file of the Sandbox's data folder (ffmpeg leaves the umask's)
    await rename(part, copy);
  } catch (error) {
    await rm(part, { force: true });
    // Stopped (the Sandbox closing): not an answer about the file; the caller saves nothing.
    if (signal?.aborted) throw error;
    // No ffmpeg, or nothing it can copy into MP4: no stream, which hls.status says (error).
    return false;
  } finally {
    done();
  }
  return (await streamOf(blobPath)) !== undefined;
}

/**
 * Runs the program and resolves when it has ended well. Stopped by `signal`, it settles only once
 * the process has really exited: execFile's own `signal` option answers at once, while the
 * process may still be writing into a folder its caller is about to remove.
 */
function runToEnd(program: string, args: string[], signal?: AbortSignal): Promise<void> {
  const child = execFile(program, args, { timeout: 120_000 });
  const stop = () => child.kill('SIGTERM');
  signal?.addEventListener('abort', stop, { once: true });
  return new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, killedBy) =>
      code === 0 ? resolve() : reject(new Error(`${program} ended with ${code ?? killedBy}`)),
    );
  }).finally(() => signal?.removeEventListener('abort', stop));
}
