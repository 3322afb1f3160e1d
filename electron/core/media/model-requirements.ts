/**
 * What each index model accepts, in ONE table, each number with its source (reference
 * twelvelabs-indexes.md §4 and twelvelabs-api.md §4, which cite the OpenAPI export of 2026-07-30
 * [OAS] and docs pages [D]). The preflight (model-preflight.ts) checks files against it before a
 * byte is sent; where an index has several models, the most restrictive value applies (the X6
 * description: "whichever is stricter applies when both models are enabled").
 */
export interface ModelRequirements {
  /** Shown in messages: "Marengo 3.0". */
  label: string;
  minSeconds: number;
  maxSeconds: number;
  /** The shorter side, at least (360×360 minimum). */
  minShortSide: number;
  /** 5184×2160 maximum: the longer side at most this… */
  maxLongSide: number;
  /** …and the shorter side at most this. */
  maxShortSide: number;
  /** Longer side / shorter side, at most (1:2.4 to 2.4:1). */
  maxAspectRatio: number;
  maxBytes?: number;
  /** Whether a file without a video track (audio only) can be indexed. */
  audioOnly: boolean;
  /** Whether an audio track is required. */
  needsAudioTrack: boolean;
  sources: Record<string, string>;
}

const GB = 1_000_000_000;

export const MODEL_REQUIREMENTS: Record<string, ModelRequirements> = {
  'marengo3.0': {
    label: 'Marengo 3.0',
    minSeconds: 4,
    maxSeconds: 4 * 3600,
    minShortSide: 360,
    maxLongSide: 5184,
    maxShortSide: 2160,
    maxAspectRatio: 2.4,
    maxBytes: 4 * GB,
    audioOnly: true,
    needsAudioTrack: false,
    sources: {
      duration:
        '4 s – 4 h: [OAS /embed-v2/tasks 03-27…07-30]; "up to four hours" [D: docs.twelvelabs.io/v1.3/docs/concepts/models/marengo]',
      resolution:
        '360x360 – 5184x2160: [OAS /embed-v2*]; the video_resolution_too_low text [D: …/v1.3/api-reference/error-codes]',
      aspectRatio: 'between 1:1 and 1:2.4, or 2.4:1 and 1:1: [OAS /embed-v2*]',
      size: '≤ 4 GB video: [OAS /embed-v2/tasks] (6 GB is Bedrock only)',
      audioOnly: 'audio 4 s – 4 h, ≤ 4 GB: [OAS /embed-v2/tasks 04-21+]',
      audioTrack: 'no current requirement found (a v1.1-era rule applied to the retired conversation option)',
    },
  },
  'pegasus1.2': {
    label: 'Pegasus 1.2',
    minSeconds: 4,
    maxSeconds: 3600,
    minShortSide: 360,
    maxLongSide: 5184,
    maxShortSide: 2160,
    maxAspectRatio: 2.4,
    audioOnly: false,
    needsAudioTrack: false,
    sources: {
      duration:
        "4 s – 1 h: sync /analyze [OAS 04-01…07-30] and the v1.3 indexing page's 60 min [D: …/v1.3/api-reference/tasks/create]; /analyze/tasks allows 2 h, the stricter applies to indexing",
      resolution: '360x360 – 5184x2160: [OAS /analyze*]',
      aspectRatio: 'as Marengo 3.0: [OAS /analyze*]',
      size: 'not stated in the OAS (< 2 GB is Bedrock only): not checked',
      audioOnly: 'Pegasus analyses video: an audio-only asset has nothing to analyse [OAS /analyze]',
      audioTrack: 'no requirement found',
    },
  },
};

/** The combined requirements of an index's models: the most restrictive of each. */
export function combinedRequirements(models: string[]): ModelRequirements | undefined {
  const known = models.map((m) => MODEL_REQUIREMENTS[m]).filter((r): r is ModelRequirements => !!r);
  if (known.length === 0) return undefined;
  const sizes = known.map((r) => r.maxBytes).filter((b): b is number => b !== undefined);
  return {
    label: known.map((r) => r.label).join(' + '),
    minSeconds: Math.max(...known.map((r) => r.minSeconds)),
    maxSeconds: Math.min(...known.map((r) => r.maxSeconds)),
    minShortSide: Math.max(...known.map((r) => r.minShortSide)),
    maxLongSide: Math.min(...known.map((r) => r.maxLongSide)),
    maxShortSide: Math.min(...known.map((r) => r.maxShortSide)),
    maxAspectRatio: Math.min(...known.map((r) => r.maxAspectRatio)),
    ...(sizes.length > 0 && { maxBytes: Math.min(...sizes) }),
    audioOnly: known.every((r) => r.audioOnly),
    needsAudioTrack: known.some((r) => r.needsAudioTrack),
    sources: Object.assign({}, ...known.map((r) => r.sources)) as Record<string, string>,
  };
}
