/**
 * What an upload item's state allows, in one table read by the core, the desktop main process, the
 * CLI and the renderer alike (issue 19): a list of states written inline elsewhere drifts (a new
 * state offered Cancel on a finished row, and no Remove). The table is exhaustive on purpose: a new
 * state does not compile until each of its traits is decided here.
 */
import type { ItemState } from './queue-types.ts';

interface Traits {
  /** Nothing more happens to it unless someone acts (Retry, Upload anyway, Remove). */
  finished: boolean;
  /** Bytes are being read or sent, or the upload is being completed: "uploading" to a person. */
  transferring: boolean;
  /** Not finished, and work of ours is still due (the queue is not drained while one is). */
  pending: boolean;
  /** Offered Pause: it is still moving or about to (a waiting item retries by itself). */
  pausable: boolean;
  /** Resume applies: it waits for a person, the network or its file. */
  resumable: boolean;
  /** Retry applies (a failed one only when its file is not refused as such: see canRetry). */
  retryable: boolean;
  /** Shown under "Needs attention": a person must do something. */
  attention: boolean;
  /** Its asset is ready on the platform (it can be opened). */
  assetReady: boolean;
  /** Its own bytes made that asset: the local file is never read again for it (not a duplicate). */
  uploaded: boolean;
}

const no: Traits = {
  finished: false,
  transferring: false,
  pending: false,
  pausable: false,
  resumable: false,
  retryable: false,
  attention: false,
  assetReady: false,
  uploaded: false,
};

const TRAITS: Record<ItemState, Traits> = {
  queued: { ...no, pending: true, pausable: true },
  preparing: { ...no, pending: true, pausable: true, transferring: true },
  uploading: { ...no, pending: true, pausable: true, transferring: true },
  finalizing: { ...no, pending: true, pausable: true, transferring: true },
  processing: { ...no, pending: true },
  waiting: { ...no, pending: true, pausable: true, resumable: true },
  paused: { ...no, resumable: true },
  'source-missing': { ...no, resumable: true, retryable: true, attention: true },
  ready: { ...no, finished: true, assetReady: true, uploaded: true },
  duplicate: { ...no, finished: true, assetReady: true },
  canceled: { ...no, finished: true, retryable: true },
  failed: { ...no, finished: true, retryable: true, attention: true },
  // Indexing follows `ready` (issue 17): the asset is uploaded; a retry indexes again, no bytes.
  indexing: { ...no, pending: true, assetReady: true, uploaded: true },
  indexed: { ...no, finished: true, assetReady: true, uploaded: true },
  'index-failed': {
    ...no,
    finished: true,
    retryable: true,
    attention: true,
    assetReady: true,
    uploaded: true,
  },
};

/** Every state, each once. */
export const ITEM_STATES = Object.keys(TRAITS) as readonly ItemState[];
const where = (trait: keyof Traits): readonly ItemState[] => ITEM_STATES.filter((s) => TRAITS[s][trait]);

/** ready, canceled, failed, duplicate, indexed, index-failed. */
export const FINISHED_STATES = where('finished');
/** preparing, uploading, finalizing: what a person calls "uploading". */
export const ACTIVE_STATES = where('transferring');
/** Not finished and work of ours is still due. */
export const PENDING_STATES = where('pending');

export const isFinished = (state: ItemState): boolean => TRAITS[state].finished;
export const isTransferring = (state: ItemState): boolean => TRAITS[state].transferring;
export const isPending = (state: ItemState): boolean => TRAITS[state].pending;
export const canPause = (state: ItemState): boolean => TRAITS[state].pausable;
export const canResume = (state: ItemState): boolean => TRAITS[state].resumable;
export const needsAttention = (state: ItemState): boolean => TRAITS[state].attention;
export const isAssetReady = (state: ItemState): boolean => TRAITS[state].assetReady;
/** Uploaded for good: serve mode's staged copy of a dropped file is not needed any more. */
export const isUploaded = (state: ItemState): boolean => TRAITS[state].uploaded;
/** Retry applies to the state (the core takes any such item when asked by name). */
export const isRetryableState = (state: ItemState): boolean => TRAITS[state].retryable;

/** Uploading or about to (queued): what Quit would interrupt, what the tray counts as files under way. */
export const isUnderWay = (state: ItemState): boolean => TRAITS[state].transferring || state === 'queued';

/** How many of the queue's items (its per-state counts) are in a state `which` takes: no walk over items. */
export function countWhere(
  byState: Partial<Record<ItemState, number>>,
  which: (state: ItemState) => boolean,
): number {
  let n = 0;
  for (const state of ITEM_STATES) if (which(state)) n += byState[state] ?? 0;
  return n;
}

interface RetryFacts {
  state: ItemState;
  /**
   * false: the file itself was refused (too long, not media), or its ready asset is refused by
   * the chosen index's models (index-failed): trying again cannot help.
   */
  retryable?: boolean;
}

/** The Retry button: a retryable state, unless the file or its asset itself was refused. */
export const canRetry = (item: RetryFacts): boolean =>
  TRAITS[item.state].retryable &&
  !((item.state === 'failed' || item.state === 'index-failed') && item.retryable === false);

/** "Retry all": failed or missing-file items that trying again can help (not the canceled ones). */
export const retryAllTakes = (item: RetryFacts): boolean =>
  (item.state === 'failed' || item.state === 'source-missing') && item.retryable !== false;
