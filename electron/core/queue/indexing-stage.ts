import type { AssetDetail } from '../../shared/domain.ts';
import type { ItemState } from '../../shared/queue-types.ts';
import type { UndiciTwelveLabsClient } from '../api/client.ts';
import { ApiError, OutcomeUnknownError } from '../api/errors.ts';
import { indexAsset, membershipsOf, waitUntilIndexed } from '../api/indexes.ts';
import { isGone } from '../api/platform-answers.ts';
import { factsFromAsset } from '../media/model-preflight.ts';
import type { Clock, Logger } from '../ports.ts';
import { notIndexable } from './document-indexing.ts';
import type { ItemRecord } from './item-record.ts';
import { assetRefusal, sharedIndexModels } from './model-check.ts';

export interface IndexingContext {
  client: UndiciTwelveLabsClient;
  clock: Clock;
  logger: Logger;
  transition(item: ItemRecord, state: ItemState): void;
  /** Marks the item changed and writes it now: a step is saved before the side effect it starts. */
  save(item: ItemRecord): Promise<void>;
  emitChanged(id: string): void;
  /** The index's name, when known (for messages and the view). */
  indexName?(indexId: string): string | undefined;
  pollInitialMs?: number;
  pollMaxMs?: number;
  /** After a lost answer whose body went out whole: look again this much later (the platform may still act). */
  relookDelaysMs?: number[];
}

/** An item whose upload names an index (`options.indexId`, '' = "upload without indexing"). */
export function wantsIndexing(item: ItemRecord): boolean {
  // A document is uploaded without indexing: no index model takes one (document-indexing.ts).
  return typeof item.options.indexId === 'string' && item.options.indexId !== '' && !notIndexable(item);
}

/**
 * After its asset is ready, an item is indexed into its chosen index and the indexed asset is
 * followed to `ready` or `failed` (twelvelabs-indexes.md §3): states `indexing`, then `indexed`
 * or `index-failed` (the asset stays ready and uploaded). Crash-safe like the upload: the moment
 * the create request goes out is saved first; a crash or a lost answer after it is resolved by
 * looking at the asset's indexed assets (X11) for this index, never by sending it again blindly.
 * Transient trouble (429 under the `indexes` category, 5xx, network) is thrown for the queue's
 * error policy, which waits and comes back here.
 *
 * An item whose file was not checked against the index's models before upload (a URL whose
 * server gave no byte ranges, a container not read) is checked now on the ready `asset`'s own
 * metadata: a create sure to be refused is not sent, and the item says why.
 */
export async function indexItem(
  ctx: IndexingContext,
  item: ItemRecord,
  signal: AbortSignal,
  asset?: AssetDetail,
): Promise<void> {
  const indexId = item.options.indexId!;
  const assetId = item.assetId!;
  if (item.indexing?.indexId !== indexId) item.indexing = { indexId };
  const ix = item.indexing!;
  ix.indexName ??= ctx.indexName?.(indexId);
  if (item.state !== 'indexing') ctx.transition(item, 'indexing');

  try {
    if (!ix.indexedAssetId && ix.createStartedAt !== undefined) {
      // A previous run sent the create and never saved its answer (crash): did it make one?
      ix.indexedAssetId = await findIn(ctx, assetId, indexId, signal);
      if (!ix.indexedAssetId) ix.createStartedAt = undefined;
      await ctx.save(item);
    }
    if (!ix.indexedAssetId) {
      if (asset && !ix.checked && (await refusedByModels(ctx, item, asset))) return;
      ix.createStartedAt = ctx.clock.now();
      await ctx.save(item);
      ix.indexedAssetId = await createOnce(ctx, assetId, indexId, signal);
      ix.createStartedAt = undefined;
      ix.status = 'pending';
      await ctx.save(item);
      ctx.emitChanged(item.id);
    }
    const info = await waitUntilIndexed(ctx.client, ctx.clock, indexId, ix.indexedAssetId, {
      signal,
      initialIntervalMs: ctx.pollInitialMs ?? 1000,
      maxIntervalMs: ctx.pollMaxMs ?? 5000,
      onUpdate: (update) => {
        if (update.status === ix.status) return;
        ix.status = update.status;
        ctx.emitChanged(item.id);
      },
    });
    item.finishedAt = ctx.clock.now();
    if (info.status === 'ready') return ctx.transition(item, 'indexed');
    item.error = `TwelveLabs could not index ${item.name} into ${label(ix)} (the platform gives no reason; the asset is uploaded and ready). Retry to index it again.`;
    ctx.transition(item, 'index-failed');
  } catch (error) {
    if (!(error instanceof ApiError) || error.retryable || signal.aborted) throw error;
    // A refusal (4xx): nothing was made, and waiting will not change it.
    ix.createStartedAt = undefined;
    item.finishedAt = ctx.clock.now();
    const refusal = error.message;
    item.error = isGone(error)
      ? `The index ${label(ix)} or this asset no longer exists on TwelveLabs.`
      : `TwelveLabs refused to index ${item.name} into ${label(ix)}: ${refusal}`;
    ctx.transition(item, 'index-failed');
  }
}

/** The ready asset's metadata says the index's models will refuse it: the item ends index-failed. */
async function refusedByModels(ctx: IndexingContext, item: ItemRecord, asset: AssetDetail): Promise<boolean> {
  const ix = item.indexing!;
  const models = { client: ctx.client, logger: ctx.logger, models: sharedIndexModels(ctx.client) };
  const refused = await assetRefusal(models, ix.indexId, factsFromAsset(asset));
  if (!refused) return false;
  const { refusal } = refused;
  ix.indexName ??= refused.indexName;
  ctx.logger.info('an indexing request sure to be refused was not sent', { item: item.id, refusal });
  ix.refused = refusal;
  // The asset's own metadata and the index's models are what refuse it: a retry would be refused
  // the same way, so none is offered (canRetry); keeping the asset without indexing is.
  item.retryable = false;
  item.finishedAt = ctx.clock.now();
  item.error = `${item.name} cannot be indexed into ${label(ix)}: ${refusal}. It is uploaded and ready; it was not sent to the index. Trying again cannot help: the index's models refuse the asset itself.`;
  ctx.transition(item, 'index-failed');
  return true;
}

async function createOnce(
  ctx: IndexingContext,
  assetId: string,
  indexId: string,
  signal: AbortSignal,
): Promise<string> {
  try {
    return (await indexAsset(ctx.client, indexId, assetId, signal)).id;
  } catch (error) {
    if (!(error instanceof OutcomeUnknownError)) throw error;
    ctx.logger.warn('the answer to an indexing request was lost; looking for what it made', {
      assetId,
      indexId,
    });
    const delays = error.bodyComplete ? [0, ...(ctx.relookDelaysMs ?? [2_000, 6_000])] : [0];
    for (const delay of delays) {
      if (delay > 0) await ctx.clock.sleep(delay, signal);
      const found = await findIn(ctx, assetId, indexId, signal);
      if (found) return found;
    }
    // Proven absent: the request made nothing, so sending it again (later) cannot make two.
    throw error.underlying;
  }
}

async function findIn(
  ctx: IndexingContext,
  assetId: string,
  indexId: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const memberships = await membershipsOf(ctx.client, assetId, signal);
  return memberships.find((m) => m.indexId === indexId)?.indexedAssetId;
}

const label = (ix: { indexId: string; indexName?: string }) =>
  ix.indexName ? `"${ix.indexName}"` : ix.indexId;
