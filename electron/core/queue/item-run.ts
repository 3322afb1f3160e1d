import { wantsIndexing } from './indexing-stage.ts';
import { handleError } from './item-outcomes.ts';
import type { ItemRecord } from './item-record.ts';
import { transferItem, type TransferContext } from './item-transfer.ts';
import { checkForIndex, type ModelCheckContext } from './model-check.ts';
import type { ProgressTracker } from './progress-tracker.ts';
import type { AbortReason, QueueContext } from './queue-context.ts';

/** What running an item needs beside the queue's context. */
export interface RunContext {
  modelCheck: ModelCheckContext;
  transfer: TransferContext;
  progress: ProgressTracker;
}

/**
 * One item in an upload slot: the index's model check, then the transfer; whatever goes wrong
 * goes to the error outcomes (item-outcomes.ts). The slot is freed and the next item started after.
 */
export async function runItem(ctx: QueueContext, run: RunContext, item: ItemRecord): Promise<void> {
  const controller = new AbortController();
  ctx.active.set(item.id, controller);
  try {
    if (wantsIndexing(item) && !item.assetId && !item.indexing?.checked && !item.attemptStartedAt) {
      // Before a byte is sent (a URL: before its asset is created): would the index's models take
      // this file? (issue 17) Not again once a create may have gone out: that is reconciled.
      ctx.transition(item, 'preparing');
      await checkForIndex(run.modelCheck, item, controller.signal);
      ctx.doc.changedAt('items', item.id);
    }
    await transferItem(run.transfer, item, controller.signal);
  } catch (error) {
    const reason = controller.signal.aborted ? (controller.signal.reason as AbortReason) : undefined;
    handleError(ctx, item, error, reason);
  } finally {
    ctx.active.delete(item.id);
    run.progress.clear(item.id);
    ctx.emitTotals();
    ctx.pump();
  }
}
