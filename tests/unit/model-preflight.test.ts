/**
 * The model preflight on real files made by ffmpeg (H.264/AAC MP4 and MOV, VP8 WebM, Matroska,
 * AAC audio, a PNG): what MediaInfo reads from each container, that it reads the header and index
 * rather than the whole file, and the refusals with which requirement and by how much.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerProbe, type ContainerFacts } from '../../electron/core/media/container-probe.ts';
import { modelProblems } from '../../electron/core/media/model-preflight.ts';
import { combinedRequirements, MODEL_REQUIREMENTS } from '../../electron/core/media/model-requirements.ts';
import { makeVideo } from '../helpers/ffmpeg-media.ts';
import { png, writeFixture } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let cleanup: () => Promise<void>;
const probe = new ContainerProbe();
const marengo = MODEL_REQUIREMENTS['marengo3.0']!;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
}, 60_000);
afterAll(async () => {
  probe.close();
  await cleanup();
});

describe('reading the container', () => {
  it.each([
    ['clip.mp4', { seconds: 5, width: 640, height: 360 }],
    ['clip.mov', { seconds: 4, width: 480, height: 480 }],
    ['clip.webm', { seconds: 3, width: 320, height: 240, audio: false }],
    ['clip.mkv', { seconds: 6, width: 720, height: 400 }],
  ] as const)('reads duration, size and tracks of %s', async (name, spec) => {
    const path = await makeVideo(join(dir, name), spec);
    const facts = await probe.probe(path);
    expect(facts.durationSeconds).toBeCloseTo(spec.seconds, 0);
    expect([facts.width, facts.height]).toEqual([spec.width, spec.height]);
    expect(facts.hasVideo).toBe(true);
    expect(facts.hasAudio).toBe(!('audio' in spec));
  });

  it('reads the header and index of a large file, not its media data', async () => {
    // The index at the end (ffmpeg's default), then moved to the front.
    const tail = join(dir, 'tail.mp4');
    const front = join(dir, 'front.mp4');
    const ff = promisify(execFile);
    await ff('ffmpeg', [
      ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=d=4:s=320x240:r=25'],
      // Noise makes the media data large (about 10 MB) next to its small index.
      ...['-vf', 'noise=alls=60:allf=t+u', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '10'],
      ...['-pix_fmt', 'yuv420p', tail],
    ]);
    await ff('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-i',
      tail,
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      front,
    ]);
    for (const p of [tail, front]) {
      const facts = await probe.probe(p);
      expect(facts.durationSeconds).toBeCloseTo(4, 0);
      expect(facts.size).toBeGreaterThan(3_000_000);
      expect(facts.bytesRead).toBeLessThanOrEqual(1.5 * 1024 * 1024);
    }
  });
});

describe('against the models', () => {
  const facts = (f: Partial<ContainerFacts>): ContainerFacts => ({
    hasVideo: true,
    hasAudio: true,
    size: 1_000_000,
    bytesRead: 0,
    ...f,
  });

  it('says which requirement and by how much, on real files', async () => {
    const low = await probe.probe(
      await makeVideo(join(dir, 'low.mp4'), { seconds: 5, width: 640, height: 200 }),
    );
    expect(modelProblems(low, low.size, marengo)).toEqual([
      '640×200 is below the 360×360 minimum (Marengo 3.0)',
      '640×200 is 3.2:1, beyond the 2.4:1 to 1:2.4 range (Marengo 3.0)',
    ]);
    const brief = await probe.probe(
      await makeVideo(join(dir, 'brief.mp4'), { seconds: 2, width: 640, height: 360 }),
    );
    expect(modelProblems(brief, brief.size, marengo)).toEqual([
      '2 s is shorter than the 4 s minimum (Marengo 3.0)',
    ]);
    const picture = await probe.probe(await writeFixture(join(dir, 'pic.png'), png(400, 400)));
    expect(modelProblems(picture, picture.size, marengo)).toEqual([
      'it has no video or audio track (Marengo 3.0)',
    ]);
  });

  it('applies the most restrictive of several models', () => {
    const both = combinedRequirements(['marengo3.0', 'pegasus1.2'])!;
    expect(both).toMatchObject({ maxSeconds: 3600, maxBytes: 4_000_000_000, audioOnly: false });
    expect(modelProblems(facts({ durationSeconds: 3 * 3600 }), 1, both)).toEqual([
      '3 h is longer than the 1 h maximum (Marengo 3.0 + Pegasus 1.2)',
    ]);
    expect(modelProblems(facts({ durationSeconds: 3 * 3600 }), 1, marengo)).toEqual([]);
    expect(modelProblems(facts({ hasVideo: false, durationSeconds: 30 }), 1, marengo)).toEqual([]);
    expect(modelProblems(facts({ hasVideo: false, durationSeconds: 30 }), 1, both)).toEqual([
      'it has no video track, which Marengo 3.0 + Pegasus 1.2 needs',
    ]);
    expect(modelProblems(facts({ width: 6000, height: 2000, durationSeconds: 9 }), 5e9, marengo)).toEqual([
      '5 GB is larger than the 4 GB maximum (Marengo 3.0)',
      '6000×2000 is above the 5184×2160 maximum (Marengo 3.0)',
      '6000×2000 is 3:1, beyond the 2.4:1 to 1:2.4 range (Marengo 3.0)',
    ]);
    expect(combinedRequirements(['pegasus1.5'])).toBeUndefined();
  });

  it('keeps a source for every number of the table', () => {
    for (const req of Object.values(MODEL_REQUIREMENTS))
      for (const key of ['duration', 'resolution', 'aspectRatio', 'size', 'audioOnly', 'audioTrack'])
        expect(req.sources[key], `${req.label} ${key}`).toBeTruthy();
  });
});
