/**
 * The check on a ready asset's own metadata (issue 17): the platform's `duration`, `size` and
 * `technical_metadata` read as facts for the one rule (model-preflight.ts). What the platform
 * does not say is never held against the asset: partial metadata must not stop an indexing
 * request that would have succeeded.
 */
import { describe, expect, it } from 'vitest';
import { factsFromAsset, modelProblems } from '../../electron/core/media/model-preflight.ts';
import { combinedRequirements } from '../../electron/core/media/model-requirements.ts';

const marengo = combinedRequirements(['marengo3.0'])!;
const both = combinedRequirements(['marengo3.0', 'pegasus1.2'])!;
const check = (asset: Parameters<typeof factsFromAsset>[0], req = marengo) => {
  const facts = factsFromAsset(asset);
  return modelProblems(facts, facts.size, req);
};

describe('factsFromAsset', () => {
  it('reads the reference example and finds nothing wrong with it', () => {
    const asset = {
      id: 'a',
      status: 'ready',
      size: 10485760,
      duration: 42.5,
      technicalMetadata: { video_width: 1280, video_height: 720, video_codec: 'h264', has_audio: true },
    };
    expect(factsFromAsset(asset)).toEqual({
      durationSeconds: 42.5,
      width: 1280,
      height: 720,
      hasVideo: true,
      hasAudio: true,
      size: 10485760,
    });
    expect(check(asset, both)).toEqual([]);
  });

  it('says which requirement and by how much, as the container check does', () => {
    const asset = { id: 'a', duration: 2, technicalMetadata: { video_width: 640, video_height: 200 } };
    expect(check(asset)).toEqual([
      '2 s is shorter than the 4 s minimum (Marengo 3.0)',
      '640×200 is below the 360×360 minimum (Marengo 3.0)',
      '640×200 is 3.2:1, beyond the 2.4:1 to 1:2.4 range (Marengo 3.0)',
    ]);
    expect(check({ id: 'a', duration: 7200, size: 5e9 }, both)).toEqual([
      '2 h is longer than the 1 h maximum (Marengo 3.0 + Pegasus 1.2)',
      '5 GB is larger than the 4 GB maximum (Marengo 3.0 + Pegasus 1.2)',
    ]);
  });

  it('holds nothing unknown against the asset: no metadata, partial metadata, audio fields only', () => {
    expect(check({ id: 'a' }, both)).toEqual([]);
    expect(check({ id: 'a', technicalMetadata: {} }, both)).toEqual([]);
    expect(check({ id: 'a', duration: 30, technicalMetadata: { audio_codec: 'aac' } }, both)).toEqual([]);
    expect(check({ id: 'a', technicalMetadata: { video_width: 0, video_height: 'x' } }, both)).toEqual([]);
  });

  it('knows an image (no track) and an audio-only asset the way the models treat them', () => {
    const image = {
      id: 'a',
      fileType: 'image/png',
      technicalMetadata: { image_width: 800, image_height: 600 },
    };
    expect(check(image)).toEqual(['it has no video or audio track (Marengo 3.0)']);
    const audio = { id: 'a', duration: 60, technicalMetadata: { video_streams: [], audio_streams: [{}] } };
    expect(check(audio)).toEqual([]); // Marengo indexes audio
    expect(check(audio, both)).toEqual(['it has no video track, which Marengo 3.0 + Pegasus 1.2 needs']);
  });
});
