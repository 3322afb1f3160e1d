/**
 * A watched folder's ledger records a file as uploaded once its item's content is in the library,
 * whichever way it got there (item-state isAssetReady): an item chosen for an index goes
 * processing → indexing → indexed and never passes through `ready`, and its file must not stay
 * "queued" in the folder for ever.
 */
import { describe, expect, it } from 'vitest';
import { entryAfter } from '../../electron/core/sync/ledger-entries.ts';
import type { FileEntry } from '../../electron/core/sync/sync-ledger.ts';
import { ITEM_STATES } from '../../electron/shared/item-state.ts';
import type { ItemState, QueueItemView } from '../../electron/shared/queue-types.ts';

const queued: FileEntry = { size: 10, mtimeMs: 1, state: 'queued', itemId: 'i1' };
const view = (state: ItemState, extra: Partial<QueueItemView> = {}) =>
  ({ id: 'i1', state, assetId: 'a1', ...extra }) as QueueItemView;

describe('a folder file after its item', () => {
  it.each(['ready', 'duplicate', 'indexing', 'indexed', 'index-failed'] as const)('%s: uploaded', (state) => {
    expect(entryAfter(queued, view(state))).toMatchObject({ state: 'uploaded', assetId: 'a1' });
  });

  it('a duplicate takes the asset it duplicates', () => {
    expect(
      entryAfter(queued, view('duplicate', { assetId: undefined, duplicateOf: { assetId: 'a0' } })),
    ).toMatchObject({
      state: 'uploaded',
      assetId: 'a0',
    });
  });

  it('failed or canceled: failed, with the reason; anything still moving: not yet', () => {
    expect(entryAfter(queued, view('failed', { error: 'Not media.' }))).toMatchObject({
      state: 'failed',
      note: 'Not media.',
    });
    expect(entryAfter(queued, view('canceled'))).toMatchObject({ state: 'failed', note: 'canceled' });
    const moving = ITEM_STATES.filter(
      (s) => !['ready', 'duplicate', 'indexing', 'indexed', 'index-failed', 'failed', 'canceled'].includes(s),
    );
    for (const state of moving) expect(entryAfter(queued, view(state)), state).toBeUndefined();
  });
});
