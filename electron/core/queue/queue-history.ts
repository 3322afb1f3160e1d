import { FINISHED_STATES, type HistoryEntry } from '../../shared/queue-types.ts';
import type { ItemRecord } from './item-record.ts';
import type { QueueContext } from './queue-context.ts';

/** Finished items removed from the queue, newest first, at most `historyLimit` of them. */
export function archive(ctx: QueueContext, item: ItemRecord): void {
  if (!FINISHED_STATES.includes(item.state)) return;
  const history = ctx.doc.data.history;
  history.unshift({
    itemId: item.id,
    name: item.name,
    state: item.state,
    finishedAt: item.finishedAt ?? ctx.clock.now(),
    ...(item.assetId && { assetId: item.assetId }),
    ...(item.size && { size: item.size }),
    ...(item.error && { error: item.error }),
  });
  history.splice(ctx.options.historyLimit ?? 1000);
}

export function history(ctx: QueueContext): HistoryEntry[] {
  return [...ctx.doc.data.history];
}

export function clearHistory(ctx: QueueContext): void {
  ctx.doc.data.history = [];
  ctx.doc.changedAt('history');
}
