/**
 * The one table of what an item's state allows (electron/shared/item-state.ts) holds together: the
 * buttons a row offers never contradict what the state is, and the Uploads view's filters
 * (queue-page.ts, a table of its own) put each state where its traits say.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIVE_STATES,
  canPause,
  canResume,
  canRetry,
  countWhere,
  FINISHED_STATES,
  isAssetReady,
  isFinished,
  isRetryableState,
  isUnderWay,
  isUploaded,
  ITEM_STATES,
  needsAttention,
  PENDING_STATES,
  retryAllTakes,
} from '../../electron/shared/item-state.ts';
import { STATE_GROUP } from '../../electron/shared/queue-page.ts';
import type { QueueTotals } from '../../electron/shared/queue-types.ts';
import { attentionCount } from '../../electron/main/tray-state.ts';

const states = ITEM_STATES;

describe('item states', () => {
  it.each(states)('%s: its offers agree with what it is', (state) => {
    const finished = isFinished(state);
    // A finished item is not paused, resumed or worked on: Cancel gives way to Remove.
    if (finished)
      expect([canPause(state), canResume(state), PENDING_STATES.includes(state)]).toEqual([
        false,
        false,
        false,
      ]);
    // Bytes moving means work is due and Pause is offered.
    if (ACTIVE_STATES.includes(state))
      expect([canPause(state), PENDING_STATES.includes(state)]).toEqual([true, true]);
    // One of Pause / Resume, or neither, never both... except `waiting`, which retries by itself and can be paused,
    // and is resumed early by the core when asked (the network is back).
    if (state !== 'waiting') expect(canPause(state) && canResume(state)).toBe(false);
    // Not finished, then either ours to work on or waiting on a person.
    if (!finished) expect(PENDING_STATES.includes(state) || canResume(state)).toBe(true);
  });

  it.each(states)('%s: the Uploads filter puts it where its traits say', (state) => {
    const group = needsAttention(state) ? 'attention' : isFinished(state) ? 'done' : 'active';
    expect(STATE_GROUP[state]).toBe(group);
  });

  it('lists are read from the table', () => {
    expect([...FINISHED_STATES].sort()).toEqual(states.filter(isFinished).sort());
    expect([...ACTIVE_STATES].sort()).toEqual(['finalizing', 'preparing', 'uploading']);
  });

  it('a file refused as such is not offered Retry, and Retry all skips it and the canceled', () => {
    expect(canRetry({ state: 'failed' })).toBe(true);
    expect(canRetry({ state: 'failed', retryable: false })).toBe(false);
    expect(isRetryableState('failed')).toBe(true); // asked by name, the core still tries
    expect(canRetry({ state: 'canceled' })).toBe(true);
    expect(retryAllTakes({ state: 'canceled' })).toBe(false);
    expect(retryAllTakes({ state: 'failed', retryable: false })).toBe(false);
    expect(retryAllTakes({ state: 'source-missing' })).toBe(true);
    expect(canRetry({ state: 'index-failed' })).toBe(true);
    expect(
      states.filter((s) => canRetry({ state: s })).every((s) => needsAttention(s) || s === 'canceled'),
    ).toBe(true);
  });

  it('counts from the per-state totals, and the tray counts what the Uploads view calls attention', () => {
    const byState = { uploading: 2, queued: 3, paused: 1, waiting: 4, failed: 2, 'index-failed': 1 } as const;
    expect(countWhere(byState, isUnderWay)).toBe(5);
    expect(countWhere(byState, needsAttention)).toBe(3);
    const totals = { byState, paused: false, blockedByAuth: false, bytesDone: 0, bytesTotal: 0 };
    expect(attentionCount(totals as unknown as QueueTotals)).toBe(3);
  });

  it('a dropped file is uploaded for good once its own asset is ready, through indexing (not as a duplicate)', () => {
    expect(states.filter(isUploaded).sort()).toEqual(['index-failed', 'indexed', 'indexing', 'ready']);
    // Uploaded implies finished or still being indexed: never bytes still to send.
    expect(states.filter(isUploaded).every((s) => isFinished(s) || s === 'indexing')).toBe(true);
  });

  it('an asset can be opened once it is ready, indexed or not', () => {
    expect(states.filter(isAssetReady).sort()).toEqual([
      'duplicate',
      'index-failed',
      'indexed',
      'indexing',
      'ready',
    ]);
  });
});
