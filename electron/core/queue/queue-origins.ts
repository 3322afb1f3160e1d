import { isFinished } from '../../shared/item-state.ts';
import type { ItemRecord } from './item-record.ts';

/**
 * The items of a watched folder that are not finished, by relative path: what a folder's run
 * looks at once, so that a file the queue saved but the folder's ledger did not (a crash between
 * the two writes) is linked to its item again, not handed over a second time. One pass over the
 * items; the map holds only this folder's unfinished ones.
 */
export function unfinishedFrom(items: Record<string, ItemRecord>, folderId: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const id in items) {
    const { origin, state } = items[id]!;
    if (origin?.folderId === folderId && !isFinished(state)) found.set(origin.relativePath, id);
  }
  return found;
}
