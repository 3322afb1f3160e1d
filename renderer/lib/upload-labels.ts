import type { ItemState } from '../../electron/shared/queue-types.ts';

/** An upload's state in words: the badge in the queue and in the history. */
export const stateLabel: Record<ItemState, string> = {
  queued: 'Queued',
  preparing: 'Preparing',
  uploading: 'Uploading',
  finalizing: 'Finalizing',
  processing: 'Processing',
  ready: 'Ready',
  waiting: 'Waiting',
  paused: 'Paused',
  canceled: 'Canceled',
  failed: 'Failed',
  // Not a problem: the same file is already there (the ledger knows its content).
  duplicate: 'In your library',
  'source-missing': 'File missing',
  // After ready, with an index chosen (issue 17).
  indexing: 'Indexing',
  indexed: 'Indexed',
  'index-failed': 'Not indexed',
};
