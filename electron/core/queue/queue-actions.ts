import { canResume, isRetryableState, retryAllTakes } from '../../shared/item-state.ts';
import { FINISHED_STATES } from '../../shared/queue-types.ts';
import { follow, resetPreparation } from './item-outcomes.ts';
import type { ItemRecord } from './item-record.ts';
import type { QueueContext } from './queue-context.ts';
import { archive } from './queue-history.ts';

// The person's actions on items (pause, resume, cancel, retry, remove …) and on the whole queue
// (retry all, the computer's sleep; pause/resume all and clear finished: queue-bulk.ts). Each is a
// no-op where the item's state forbids it.

export function pause(ctx: QueueContext, id: string): void {
  const item = ctx.items()[id];
  if (!item || FINISHED_STATES.includes(item.state) || item.state === 'paused') return;
  pauseItem(ctx, item, 'user');
}

export function pauseItem(ctx: QueueContext, item: ItemRecord, by: 'user' | 'all'): void {
  const controller = ctx.active.get(item.id) ?? ctx.followers.get(item.id);
  markPaused(item, by);
  controller?.abort('pause');
  ctx.transition(item, 'paused');
}

/** What pausing changes on an item besides its state: where it returns to, and who paused it. */
export function markPaused(item: ItemRecord, by: 'user' | 'all'): void {
  item.resumeTo = item.assetId ? 'processing' : 'queued';
  item.pausedBy = by;
  item.wait = undefined;
}

export function resume(ctx: QueueContext, id: string): void {
  const item = ctx.items()[id];
  if (!item || !canResume(item.state)) return;
  wakeItem(ctx, item);
}

/**
 * The computer is going to sleep: transfers stop and nothing starts until resumeAfterSleep().
 * The desktop app calls it on powerMonitor 'suspend' (electron/main/power.ts). Unlike pauseAll(),
 * this pause is transient: nothing of it is saved and no item is marked paused, so quitting
 * while asleep and starting again starts nothing paused; a person's own pause stays as it was.
 */
export function pauseForSleep(ctx: QueueContext): void {
  if (ctx.flags.asleep) return;
  ctx.flags.asleep = true;
  for (const c of ctx.active.values()) c.abort('sleep');
  ctx.emitTotals();
}

/** The computer woke up: the work pauseForSleep() stopped goes on. */
export function resumeAfterSleep(ctx: QueueContext): void {
  if (!ctx.flags.asleep) return;
  ctx.flags.asleep = false;
  ctx.emitTotals();
  ctx.pump();
}

export function cancel(ctx: QueueContext, id: string): void {
  const item = ctx.items()[id];
  if (!item || FINISHED_STATES.includes(item.state)) return;
  const controller = ctx.active.get(item.id) ?? ctx.followers.get(item.id);
  // An abandoned multipart session expires by itself on the platform (24 h).
  item.multipart = undefined;
  item.finishedAt = ctx.clock.now();
  ctx.transition(item, 'canceled');
  controller?.abort('cancel');
}

export function retry(ctx: QueueContext, id: string): void {
  const item = ctx.items()[id];
  if (item?.state === 'index-failed' && item.assetId) {
    // The asset is uploaded and ready: only the indexing is done again.
    item.error = undefined;
    item.retryable = undefined;
    item.finishedAt = undefined;
    item.indexing = undefined;
    ctx.transition(item, 'processing');
    return follow(ctx, item);
  }
  if (!item || !isRetryableState(item.state)) return;
  resetPreparation(ctx, item);
  item.error = undefined;
  item.retryable = undefined;
  item.finishedAt = undefined;
  item.failures = 0;
  ctx.transition(item, 'queued');
  ctx.pump();
}

/**
 * A file the index's models refuse, which the person wants uploaded anyway, without indexing. An
 * asset already uploaded that the models refuse (index-failed, its own metadata checked once
 * ready) is kept as it is: it ends `ready` with the reason it is not indexed, out of "Needs
 * attention" (a retry would be refused the same way, so none is offered).
 */
export function uploadWithoutIndexing(ctx: QueueContext, id: string): void {
  const item = ctx.items()[id];
  if (item?.state === 'index-failed' && item.indexing?.refused && item.assetId) {
    item.indexing = { ...item.indexing, skipped: `Kept without indexing: ${item.indexing.refused}` };
    item.error = undefined;
    item.retryable = undefined;
    return ctx.transition(item, 'ready');
  }
  if (!item?.indexing?.refused || item.state !== 'failed') return;
  item.options = { ...item.options, indexId: '' };
  item.indexing = undefined;
  retry(ctx, id);
}

/** A duplicate the person wants uploaded anyway. */
export function uploadAnyway(ctx: QueueContext, id: string): void {
  const item = ctx.items()[id];
  // Also a duplicate that indexed its existing asset (duplicate-index.ts): a second asset, its own index.
  const adopted = !!item?.duplicateOf && FINISHED_STATES.includes(item.state);
  if (!item || (item.state !== 'duplicate' && !adopted)) return;
  item.forceUpload = true;
  item.duplicateOf = undefined;
  item.finishedAt = undefined;
  if (adopted) Object.assign(item, { assetId: undefined, indexing: undefined, error: undefined });
  ctx.transition(item, 'queued');
  ctx.pump();
}

export function moveToTop(ctx: QueueContext, id: string): void {
  const item = ctx.items()[id];
  if (!item) return;
  // The order index knows the lowest order: no walk over every item.
  item.order = Math.min(item.order, ctx.index.order.lowest) - 1;
  ctx.reindex(item);
  ctx.doc.changedAt('items', item.id);
  ctx.emitChanged(item.id);
  ctx.pump();
}

export function remove(ctx: QueueContext, id: string): void {
  const item = ctx.items()[id];
  if (!item) return;
  (ctx.active.get(id) ?? ctx.followers.get(id))?.abort('remove');
  archive(ctx, item);
  ctx.unindex(item);
  delete ctx.items()[id];
  ctx.doc.changedAt('items', id);
  ctx.doc.changedAt('history');
  ctx.emitRemoved(id);
  ctx.emitTotals();
}

/** "Retry all": every failed or missing-file item that trying again can help. */
export function retryAll(ctx: QueueContext): number {
  const again = Object.values(ctx.items()).filter(retryAllTakes);
  for (const item of again) retry(ctx, item.id);
  return again.length;
}

/** The API key changed: whatever waited for a valid key tries again. */
export function credentialsChanged(ctx: QueueContext): void {
  ctx.flags.blockedByAuth = false;
  for (const item of Object.values(ctx.items()))
    if (item.state === 'waiting' && item.wait?.code === 'auth') wakeItem(ctx, item);
  ctx.emitTotals();
  ctx.pump();
}

/** A paused, waiting or missing item goes back to where it was headed. */
export function wakeItem(ctx: QueueContext, item: ItemRecord): void {
  const target = item.state === 'source-missing' ? 'queued' : (item.resumeTo ?? 'queued');
  item.wait = undefined;
  item.pausedBy = undefined;
  item.error = undefined;
  ctx.transition(item, target);
  if (target === 'processing') follow(ctx, item);
  ctx.pump();
}
