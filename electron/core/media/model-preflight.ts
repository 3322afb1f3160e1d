import type { ContainerFacts } from './container-probe.ts';
import { formatBytes } from '../../shared/format.ts';
import type { ModelRequirements } from './model-requirements.ts';

/**
 * Why a file cannot be indexed by an index's models, each reason saying which requirement and by
 * how much ("640×200 is below the 360×360 minimum"); empty when it qualifies. Facts the container
 * does not tell (no duration in a raw stream) are not held against the file: the platform decides.
 */
export function modelProblems(facts: ContainerFacts, size: number, req: ModelRequirements): string[] {
  const problems: string[] = [];
  const by = ` (${req.label})`;
  if (!facts.hasVideo && !facts.hasAudio) return [`it has no video or audio track${by}`];
  if (!facts.hasVideo && !req.audioOnly) problems.push(`it has no video track, which ${req.label} needs`);
  if (req.needsAudioTrack && !facts.hasAudio)
    problems.push(`it has no audio track, which ${req.label} needs`);
  const d = facts.durationSeconds;
  if (d !== undefined && d < req.minSeconds)
    problems.push(`${seconds(d)} is shorter than the ${seconds(req.minSeconds)} minimum${by}`);
  if (d !== undefined && d > req.maxSeconds)
    problems.push(`${seconds(d)} is longer than the ${seconds(req.maxSeconds)} maximum${by}`);
  if (req.maxBytes !== undefined && size > req.maxBytes)
    problems.push(`${formatBytes(size)} is larger than the ${formatBytes(req.maxBytes)} maximum${by}`);
  const { width: w, height: h } = facts;
  if (facts.hasVideo && w && h) {
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
