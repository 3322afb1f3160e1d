import type { AssetRecord } from './state.ts';

/**
 * What each index model accepts, as the emulator checks it when indexing (reference
 * twelvelabs-indexes.md §4; the app keeps its own table, written from the same reference).
 * Violations are not refused at `POST …/indexed-assets`: the indexed asset ends `failed` (§3),
 * as the platform's validation runs after the task was accepted.
 */
export interface ModelRule {
  minSeconds: number;
  maxSeconds: number;
  minSide: number;
  maxLongSide: number;
  maxShortSide: number;
  maxAspect: number;
  maxBytes?: number;
  /** Audio-only assets can be indexed (Marengo embeds audio; Pegasus analyses video only). */
  audioOnly: boolean;
}

export const INDEX_MODELS: Record<string, ModelRule> = {
  // Marengo 3.0: 4 s – 4 h, 360x360 – 5184x2160, 1:2.4 – 2.4:1, ≤ 4 GB [OAS /embed-v2/tasks 2026-07-30].
  'marengo3.0': {
    minSeconds: 4,
    maxSeconds: 4 * 3600,
    minSide: 360,
    maxLongSide: 5184,
    maxShortSide: 2160,
    maxAspect: 2.4,
    maxBytes: 4_000_000_000,
    audioOnly: true,
  },
  // Pegasus 1.2: 4 s – 1 h (sync /analyze, and the v1.3 indexing page's 60 min), same frame rules [OAS /analyze*].
  'pegasus1.2': {
    minSeconds: 4,
    maxSeconds: 3600,
    minSide: 360,
    maxLongSide: 5184,
    maxShortSide: 2160,
    maxAspect: 2.4,
    audioOnly: false,
  },
};

export const MODEL_OPTIONS = ['visual', 'audio'];

/** Why this asset cannot be indexed by this model, or undefined when it can. */
export function modelRefusal(model: string, asset: AssetRecord): string | undefined {
  const rule = INDEX_MODELS[model];
  if (!rule) return undefined;
  const kind = asset.sniffed?.kind;
  if (kind === 'image' || kind === 'document') return `${model} indexes video and audio, not ${kind}s.`;
  if (kind === 'audio' && !rule.audioOnly) return `${model} needs a video track.`;
  const d = asset.duration;
  if (d !== undefined && d < rule.minSeconds)
    return `video_duration_too_short: ${d} s < ${rule.minSeconds} s.`;
  if (d !== undefined && d > rule.maxSeconds)
    return `video_duration_too_long: ${d} s > ${rule.maxSeconds} s.`;
  if (rule.maxBytes !== undefined && (asset.size ?? 0) > rule.maxBytes) return 'video_filesize_too_large';
  const tm = asset.technicalMetadata ?? {};
  const w = typeof tm.video_width === 'number' ? tm.video_width : undefined;
  const h = typeof tm.video_height === 'number' ? tm.video_height : undefined;
  if (kind === 'video' && w && h) {
    const short = Math.min(w, h);
    const long = Math.max(w, h);
    if (short < rule.minSide) return 'video_resolution_too_low';
    if (long > rule.maxLongSide || short > rule.maxShortSide) return 'video_resolution_too_high';
    if (long / short > rule.maxAspect) return 'video_resolution_invalid_aspect_ratio';
  }
  return undefined;
}
