import { FINISHED_STATES, type HistoryEntry } from '../../shared/queue-types.ts';
import type { ItemRecord } from './item-record.ts';
import type { QueueContext } from './queue-context.ts';

/** Finished items removed from the queue, newest first, at most `historyLimit` of them. */
export function archive(ctx: QueueContext, item: ItemRecord): void {
  archiveMany(ctx, [item]);
}

/**
 * Several items removed in this order: the last one removed comes first, as if archived one by
 * one, but with one splice of the history instead of one per item (20,000 cleared items each
 * moving the 1,000 entries kept: 20 million moves).
 */
export function archiveMany(ctx: QueueContext, items: readonly ItemRecord[]): void {
  const limit = ctx.options.historyLimit ?? 1000;
  const entries: HistoryEntry[] = [];
  for (let i = items.length - 1; i >= 0 && entries.length < limit; i--) {
    const item = items[i]!;
    if (FINISHED_STATES.includes(item.state)) entries.push(entryOf(ctx, item));
  }
  if (entries.length === 0) return;
  const history = ctx.doc.data.history;
  history.unshift(...entries);
  history.splice(limit);
}

function entryOf(ctx: QueueContext, item: ItemRecord): HistoryEntry {
  return {
    itemId: item.id,
    name: item.name,
    state: item.state,
    finishedAt: item.finishedAt ?? ctx.clock.now(),
    ...(item.assetId && { assetId: item.assetId }),
    ...(item.size && { size: item.size }),
    ...(item.error && { error: item.error }),
  };
}

export function history(ctx: QueueContext): HistoryEntry[] {
  return [...ctx.doc.data.history];
}

export function clearHistory(ctx: QueueContext): void {
  ctx.doc.data.history = [];
  ctx.doc.changedAt('history');
}
