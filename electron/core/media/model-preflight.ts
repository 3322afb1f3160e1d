import type { AssetDetail } from '../../shared/domain.ts';
import { formatBytes } from '../../shared/format.ts';
import type { ModelRequirements } from './model-requirements.ts';

/**
 * What is known of a file's media: read from its container (container-probe.ts, a local file or
 * a URL) or from the platform's own reading of the asset (factsFromAsset). Undefined = not known,
 * and never held against the file.
 */
export interface MediaFacts {
  durationSeconds?: number;
  width?: number;
  height?: number;
  hasVideo?: boolean;
  hasAudio?: boolean;
}

/**
 * Why a file cannot be indexed by an index's models, each reason saying which requirement and by
 * how much ("640×200 is below the 360×360 minimum"); empty when it qualifies. Facts the container
 * does not tell (no duration in a raw stream) are not held against the file: the platform decides.
 */
export function modelProblems(facts: MediaFacts, size: number | undefined, req: ModelRequirements): string[] {
  const problems: string[] = [];
  const by = ` (${req.label})`;
  if (facts.hasVideo === false && facts.hasAudio === false) return [`it has no video or audio track${by}`];
  if (facts.hasVideo === false && !req.audioOnly)
    problems.push(`it has no video track, which ${req.label} needs`);
  if (req.needsAudioTrack && facts.hasAudio === false)
    problems.push(`it has no audio track, which ${req.label} needs`);
  const d = facts.durationSeconds;
  if (d !== undefined && d < req.minSeconds)
    problems.push(`${seconds(d)} is shorter than the ${seconds(req.minSeconds)} minimum${by}`);
  if (d !== undefined && d > req.maxSeconds)
    problems.push(`${seconds(d)} is longer than the ${seconds(req.maxSeconds)} maximum${by}`);
  if (req.maxBytes !== undefined && size !== undefined && size > req.maxBytes)
    problems.push(`${formatBytes(size)} is larger than the ${formatBytes(req.maxBytes)} maximum${by}`);
  const { width: w, height: h } = facts;
  if (facts.hasVideo !== false && w && h) {
    const short = Math.min(w, h);
    const long = Math.max(w, h);
    const min = `${req.minShortSide}×${req.minShortSide}`;
    const max = `${req.maxLongSide}×${req.maxShortSide}`;
    if (short < req.minShortSide) problems.push(`${w}×${h} is below the ${min} minimum${by}`);
    else if (long > req.maxLongSide || short > req.maxShortSide)
      problems.push(`${w}×${h} is above the ${max} maximum${by}`);
    if (long / short > req.maxAspectRatio)
      problems.push(
        `${w}×${h} is ${ratio(w, h)}, beyond the ${req.maxAspectRatio}:1 to 1:${req.maxAspectRatio} range${by}`,
      );
  }
  return problems;
}

function seconds(s: number): string {
  if (s < 60) return `${+s.toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s - h * 3600) / 60);
  return h > 0 ? `${h} h${m > 0 ? ` ${m} min` : ''}` : `${m} min`;
}

function ratio(w: number, h: number): string {
  return w >= h ? `${+(w / h).toFixed(2)}:1` : `1:${+(h / w).toFixed(2)}`;
}

/**
 * The platform's own reading of a ready asset (`duration`, `size`, `technical_metadata`: reference
 * twelvelabs-api.md §3), as facts for the same check. What it does not say stays unknown.
 */
export function factsFromAsset(asset: AssetDetail): MediaFacts & { size?: number } {
  const tm = asset.technicalMetadata ?? {};
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
  const some = (v: unknown) => (Array.isArray(v) ? v.length > 0 : undefined);
  const width = num(tm.video_width);
  const height = num(tm.video_height);
  const video =
    some(tm.video_streams) ?? (width !== undefined || typeof tm.video_codec === 'string' ? true : undefined);
  const audio =
    (typeof tm.has_audio === 'boolean' ? tm.has_audio : undefined) ??
    some(tm.audio_streams) ??
    (typeof tm.audio_codec === 'string' ? true : undefined);
  // A still image has neither track. Missing video fields alone prove nothing (metadata may be
  // partial): only an empty stream list or an image says "no video".
  const image = num(tm.image_width) !== undefined || asset.fileType?.startsWith('image/') === true;
  const hasVideo = video ?? (image ? false : undefined);
  const hasAudio = audio ?? (image ? false : undefined);
  return {
    durationSeconds: num(asset.duration) ?? num(tm.video_duration_seconds) ?? num(tm.audio_duration_seconds),
    width,
    height,
    ...(hasVideo !== undefined && { hasVideo }),
    ...(hasAudio !== undefined && { hasAudio }),
    size: num(asset.size) ?? num(tm.file_size_bytes),
  };
}
