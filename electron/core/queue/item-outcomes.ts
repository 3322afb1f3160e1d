import { FINISHED_STATES } from '../../shared/queue-types.ts';
import { isGone } from '../api/platform-answers.ts';
import { decide } from './error-policy.ts';
import { noteNotIndexed } from './document-indexing.ts';
import { indexItem, wantsIndexing } from './indexing-stage.ts';
import type { ItemRecord } from './item-record.ts';
import { InputRejected } from './preflight.ts';
import { indexingContextFor, type AbortReason, type QueueContext } from './queue-context.ts';

/** Polls a created asset until the platform says ready or failed; holds no upload slot. */
export function follow(ctx: QueueContext, item: ItemRecord): void {
  // A follow aborted a moment ago (pause, then resume at once) may not have wound down yet: it
  // is replaced, not taken for a live one (the item would wait for a follow that ended).
  if (ctx.followers.get(item.id)?.signal.aborted === false || !item.assetId) return;
  const controller = new AbortController();
  ctx.followers.set(item.id, controller);
  void ctx.options.client
    .waitUntilSettled(item.assetId, {
      signal: controller.signal,
      initialIntervalMs: ctx.options.pollInitialMs ?? 1000,
      maxIntervalMs: ctx.options.pollMaxMs ?? 15_000,
    })
    .then(async (asset) => {
      item.finishedAt = ctx.clock.now();
      if (asset.status === 'ready') {
        if (!wantsIndexing(item)) {
          noteNotIndexed(item);
          return ctx.transition(item, 'ready');
        }
        item.finishedAt = undefined;
        return indexItem(indexingContextFor(ctx), item, controller.signal, asset);
      } else {
        item.error = `TwelveLabs could not process ${item.name}: ${asset.error?.message ?? 'no reason given'}`;
        ctx.options.ledger.forgetAsset(item.assetId!);
        ctx.transition(item, 'failed');
      }
    })
    .catch((error: unknown) => {
      if (controller.signal.aborted)
        return handleError(ctx, item, error, controller.signal.reason as AbortReason);
      if (isGone(error)) {
        item.error = `The asset of ${item.name} was deleted on TwelveLabs before it finished processing.`;
        item.finishedAt = ctx.clock.now();
        ctx.options.ledger.forgetAsset(item.assetId!);
        return ctx.transition(item, 'failed');
      }
      handleError(ctx, item, error, undefined);
    })
    .finally(() => {
      if (ctx.followers.get(item.id) === controller) ctx.followers.delete(item.id);
      ctx.checkIdle();
    });
}

/** What becomes of an item whose transfer or follow ended in an error (error-policy.ts decides). */
export function handleError(
  ctx: QueueContext,
  item: ItemRecord,
  error: unknown,
  aborted: AbortReason | undefined,
): void {
  if (aborted) {
    // pause and cancel already set the state; stop keeps it for the next start.
    // Back in line, not paused: it starts again on waking, or at the next start. (Unless the
    // person cancelled, paused or removed it while it wound down: that stands.)
    const current = ctx.items()[item.id] === item && !FINISHED_STATES.includes(item.state);
    if (aborted === 'sleep' && current && item.state !== 'paused') {
      ctx.transition(item, item.assetId ? 'processing' : 'queued');
      if (item.assetId) follow(ctx, item);
    }
    if (aborted === 'auth') {
      // The key may have been fixed while this transfer was winding down.
      if (ctx.flags.blockedByAuth) waitForKey(ctx, item);
      else ctx.transition(item, item.assetId ? 'processing' : 'queued');
    }
    return;
  }
  if (!ctx.items()[item.id] || FINISHED_STATES.includes(item.state) || item.state === 'paused') return;
  const failures = (item.failures ?? 0) + 1;
  const decision = decide(error, failures, ctx.clock.now(), ctx.random);
  ctx.logger.warn('upload item problem', {
    item: item.id,
    decision: decision.kind,
    error: (error as Error)?.message,
  });
  switch (decision.kind) {
    case 'wait':
      item.failures = failures;
      item.wait = decision.reason;
      item.resumeTo = item.assetId ? 'processing' : 'queued';
      ctx.transition(item, 'waiting');
      ctx.timers.scheduleWake();
      if (decision.reason.code === 'offline' || decision.reason.code === 'server') ctx.timers.scheduleProbe();
      return;
    case 'auth':
      ctx.flags.blockedByAuth = true;
      waitForKey(ctx, item);
      for (const [id, c] of ctx.active) if (id !== item.id) c.abort('auth');
      ctx.emitTotals();
      return;
    case 'fail':
      item.error = decision.message;
      // The file itself is refused (type, size, length): the UI offers no Retry for it.
      item.retryable = !(error instanceof InputRejected);
      item.finishedAt = ctx.clock.now();
      ctx.transition(item, 'failed');
      return;
    case 'source-missing':
      item.error = decision.message;
      ctx.transition(item, 'source-missing');
      ctx.timers.scheduleSourceCheck();
      return;
    case 'restart':
      resetPreparation(ctx, item);
      item.failures = failures;
      if (failures > 5) {
        item.wait = {
          code: 'source-changed',
          message: 'Waiting for the file to stop changing',
          resumeAt: ctx.clock.now() + 30_000,
        };
        item.resumeTo = 'queued';
        ctx.transition(item, 'waiting');
        ctx.timers.scheduleWake();
      } else ctx.transition(item, 'queued');
      return;
    case 'new-session':
      item.multipart = undefined;
      ctx.transition(item, 'queued');
      return;
  }
}

export function waitForKey(ctx: QueueContext, item: ItemRecord): void {
  item.wait = { code: 'auth', message: 'The API key was refused; waiting for a valid key' };
  item.resumeTo = item.assetId ? 'processing' : 'queued';
  ctx.transition(item, 'waiting');
}

/** Forgets what was learned about the file (hash, size, session, asset): it is read afresh. */
export function resetPreparation(ctx: QueueContext, item: ItemRecord): void {
  ctx.unindex(item);
  for (const key of [
    'sha256',
    'size',
    'mtimeMs',
    'kind',
    'mime',
    'method',
    'multipart',
    'attemptStartedAt',
    'attemptBodySent',
    'assetId',
    'duplicateOf',
    'indexing',
  ] as const)
    delete item[key];
  ctx.reindex(item);
}
