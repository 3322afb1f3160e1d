import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface VideoSpec {
  seconds: number;
  width: number;
  height: number;
  /** An AAC (or Opus for WebM) audio track; default true. */
  audio?: boolean;
  /** Frames per second; default 10 (small and fast to encode). */
  fps?: number;
}

/**
 * A real video made by Debian's ffmpeg (installed by .ci/run): H.264/AAC in MP4, MOV and MKV,
 * VP8/Opus in WebM, of the chosen duration and resolution. Encoded fast and small (ultrafast,
 * few frames), so a test makes several in well under a second each.
 */
export async function makeVideo(path: string, spec: VideoSpec): Promise<string> {
  const fps = spec.fps ?? 10;
  const webm = path.toLowerCase().endsWith('.webm');
  const args = [
    ...['-loglevel', 'error', '-y', '-f', 'lavfi'],
    ...['-i', `testsrc=d=${spec.seconds}:s=${spec.width}x${spec.height}:r=${fps}`],
    ...(spec.audio === false ? [] : ['-f', 'lavfi', '-i', `sine=f=440:d=${spec.seconds}`]),
    ...(webm
      ? ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '100k']
      : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']),
    ...(spec.audio === false ? [] : webm ? ['-c:a', 'libopus'] : ['-c:a', 'aac', '-b:a', '32k']),
    ...(path.endsWith('.mp4') || path.endsWith('.mov') ? ['-movflags', '+faststart'] : []),
    '-shortest',
    path,
  ];
  await run('ffmpeg', args);
  return path;
}
