import type { WaitReason } from '../../shared/queue-types.ts';
import {
  ApiError,
  AuthError,
  NetworkError,
  RateLimitedError,
  SourceChangedError,
  StallError,
  TwelveLabsError,
} from '../api/errors.ts';
import { UploadSessionLostError } from '../api/multipart-upload.ts';
import { InputRejected } from './preflight.ts';
import { ArrivalUnconfirmedError } from './reconcile.ts';

export type Decision =
  | { kind: 'wait'; reason: WaitReason }
  | { kind: 'fail'; message: string }
  | { kind: 'auth' }
  | { kind: 'source-missing'; message: string }
  /** The file changed: prepare it again (new size, new hash). */
  | { kind: 'restart'; message: string }
  /** The multipart session is gone: begin a new one. */
  | { kind: 'new-session' };

/** Waits after the 1st, 2nd, … consecutive transient failure of an item. */
const WAITS_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

export function waitAfter(failures: number, random: () => number = Math.random): number {
  const base = WAITS_MS[Math.min(failures, WAITS_MS.length) - 1] ?? WAITS_MS[0]!;
  return Math.round(base * (1 + random() * 0.2));
}

/**
 * Transient is never failed (DESIGN.md): network loss, stalls, 408/429/5xx make an item wait with
 * a reason and a resume time; only what will not get better by waiting fails it.
 */
export function decide(error: unknown, failures: number, now: number, random?: () => number): Decision {
  if (error instanceof InputRejected)
    return error.missing
      ? { kind: 'source-missing', message: error.message }
      : { kind: 'fail', message: error.message };
  if (error instanceof AuthError) return { kind: 'auth' };
  if (error instanceof UploadSessionLostError) return { kind: 'new-session' };
  if (error instanceof SourceChangedError)
    return /moved or deleted|no longer exists/.test(error.message)
      ? { kind: 'source-missing', message: error.message }
      : { kind: 'restart', message: error.message };
  if (error instanceof RateLimitedError) {
    const wait = Math.max(error.retryAfterMs ?? 0, waitAfter(failures, random));
    return {
      kind: 'wait',
      reason: { code: 'rate-limited', message: 'Rate-limited by TwelveLabs', resumeAt: now + wait },
    };
  }
  if (error instanceof NetworkError)
    return {
      kind: 'wait',
      reason: {
        code: 'offline',
        message: 'Waiting for the network',
        resumeAt: now + waitAfter(failures, random),
      },
    };
  // A lost answer's asset not listed yet: said as what it is, not as the platform failing.
  if (error instanceof ArrivalUnconfirmedError)
    return {
      kind: 'wait',
      reason: { code: 'server', message: error.message, resumeAt: now + waitAfter(failures, random) },
    };
  if (error instanceof StallError || (error instanceof TwelveLabsError && error.retryable)) {
    const status = error instanceof ApiError ? ` (HTTP ${error.status})` : '';
    return {
      kind: 'wait',
      reason: {
        code: 'server',
        message: `TwelveLabs is not responding normally${status}`,
        resumeAt: now + waitAfter(failures, random),
      },
    };
  }
  if (error instanceof ApiError)
    return { kind: 'fail', message: `TwelveLabs refused the upload: ${error.message}` };
  if (error instanceof TwelveLabsError) return { kind: 'fail', message: error.message };
  return { kind: 'fail', message: `Unexpected error: ${(error as Error)?.message ?? String(error)}` };
}
