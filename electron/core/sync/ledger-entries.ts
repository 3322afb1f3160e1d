import { isAssetReady } from '../../shared/item-state.ts';
import type { ItemState, QueueItemView } from '../../shared/queue-types.ts';
import type { StableFile } from './stability-checker.ts';
import type { FileEntry, FileEntryState } from './sync-ledger.ts';

// A watched file's ledger entry: made when it is handed over, and what its item's end makes of it.

/**
 * The ledger entry of a file handed over (or passed over), keeping what the one before it knew of
 * the file's earlier uploads. One literal of four keys, the rest added only when there is
 * something to keep (rare in a first scan): 100,000 entries of one small shape, their fields in the
 * objects themselves (two spreads made each ~150 bytes). `itemId` is set once the queue took it.
 */
export function newEntry(
  file: StableFile,
  state: FileEntryState,
  before?: FileEntry,
  note?: string,
): FileEntry {
  const entry: FileEntry = { size: file.size, mtimeMs: file.mtimeMs, state, itemId: undefined };
  if (before?.assetId) entry.assetId = before.assetId;
  if (before?.replaced) entry.replaced = before.replaced;
  if (note) entry.note = note;
  return entry;
}

/** A handed-over file's ledger entry once its item finished (undefined while it has not). */
export function entryAfter(entry: FileEntry, view: QueueItemView): FileEntry | undefined {
  if (!hasOutcome(view.state)) return undefined;
  // Its content is in the library: ready, a duplicate, or uploaded and (being) indexed.
  if (isAssetReady(view.state)) {
    const assetId = view.assetId ?? view.duplicateOf?.assetId;
    const replaced =
      entry.assetId && entry.assetId !== assetId
        ? [...(entry.replaced ?? []), entry.assetId]
        : entry.replaced;
    return { ...entry, state: 'uploaded', assetId, ...(replaced && { replaced }) };
  }
  if (view.state === 'failed' || view.state === 'canceled')
    return { ...entry, state: 'failed', note: view.error ?? 'canceled' };
  return undefined;
}

/** Whether an item in this state has ended in a way its file's ledger entry records (entryAfter). */
export function hasOutcome(state: ItemState): boolean {
  return isAssetReady(state) || state === 'failed' || state === 'canceled';
}

/** The ledger already has exactly this file (same size and mtime, not missing). */
export function isKnown(entry: FileEntry | undefined, file: StableFile): boolean {
  return !!entry && entry.state !== 'missing' && entry.size === file.size && entry.mtimeMs === file.mtimeMs;
}
