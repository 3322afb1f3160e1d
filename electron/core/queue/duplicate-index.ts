import { membershipsOf } from '../api/indexes.ts';
import { isGone } from '../api/platform-answers.ts';
import { isFinished } from '../../shared/item-state.ts';
import { noteNotIndexed } from './document-indexing.ts';
import { wantsIndexing } from './indexing-stage.ts';
import type { ItemRecord } from './item-record.ts';
import type { TransferContext } from './item-transfer.ts';

/**
 * A file already in the library, added with an index chosen (issue 17): the person wants it
 * searchable in that index, not uploaded twice. The item adopts the existing asset (no upload, no
 * second asset) and goes through the indexing stage like any upload (indexing-stage.ts: the create
 * saved before it is sent, a lost answer resolved by reading the asset's indexed assets). An asset
 * already in that index ends `indexed` with its indexed asset, no create sent. An existing asset
 * that was deleted on the platform meanwhile (gone in any 4xx form, platform-answers.ts) is
 * forgotten and the file is uploaded as new.
 *
 * Returns what the item does next: 'adopted' (it follows the existing asset into indexing),
 * 'duplicate' (today's duplicate: nothing to index, or another item of the queue indexes it),
 * 'upload' (the existing asset is gone).
 */
export async function duplicateWithIndex(
  ctx: TransferContext,
  item: ItemRecord,
  signal: AbortSignal,
): Promise<'adopted' | 'duplicate' | 'upload'> {
  const of = item.duplicateOf;
  if (!of || !wantsIndexing(item)) {
    // A document with an index chosen says why it is not indexed, as its non-duplicate twin does.
    noteNotIndexed(item, { uploaded: false });
    return 'duplicate';
  }
  const twin = of.itemId ? ctx.items()[of.itemId] : undefined;
  // The other item of this content, still under way with the same index chosen, indexes it: one
  // create for the pair. Not yet uploaded with another index: this one follows once it has an
  // asset (continueTwinsOf).
  if (twin && !isFinished(twin.state) && twin.options.indexId === item.options.indexId) return 'duplicate';
  if (!of.assetId) return 'duplicate';
  // Saved before the platform is asked: a crash from here on resumes the adoption, never uploads.
  await ctx.save(item);
  let memberships: Awaited<ReturnType<typeof membershipsOf>>;
  try {
    memberships = await membershipsOf(ctx.client, of.assetId, signal);
  } catch (error) {
    if (!isGone(error)) throw error; // transient: the error policy waits and comes back here
    ctx.logger.info('the existing asset of a duplicate was deleted on TwelveLabs; uploading it as new', {
      item: item.id,
      asset: of.assetId,
    });
    ctx.ledger.forgetAsset(of.assetId);
    item.duplicateOf = undefined;
    await ctx.save(item);
    return 'upload';
  }
  adopt(ctx, item, of.assetId, memberships);
  await ctx.save(item); // adopted: a restart follows the asset into indexing
  ctx.follow(item);
  return 'adopted';
}

/** The existing asset becomes the item's: `processing` until it is ready, then the indexing stage. */
function adopt(
  ctx: TransferContext,
  item: ItemRecord,
  assetId: string,
  memberships: Array<{ indexId: string; indexName?: string; indexedAssetId: string }>,
): void {
  const indexId = item.options.indexId!;
  const member = memberships.find((m) => m.indexId === indexId);
  item.assetId = assetId;
  item.finishedAt = undefined;
  item.failures = 0;
  item.wait = undefined;
  const keep = item.indexing?.indexId === indexId ? item.indexing : { indexId };
  // Already a member: the indexing stage follows that indexed asset and creates nothing.
  item.indexing = member
    ? { ...keep, indexedAssetId: member.indexedAssetId, indexName: keep.indexName ?? member.indexName }
    : keep;
  ctx.logger.info('a duplicate adopts its existing asset to index it', {
    item: item.id,
    asset: assetId,
    alreadyIndexed: !!member,
  });
  ctx.transition(item, 'processing');
}

/**
 * An item's asset now exists: the duplicates of it waiting with another index chosen adopt it
 * (their model check ran before they were found duplicates), so each reaches its own index.
 */
export function continueTwinsOf(ctx: TransferContext, item: ItemRecord, assetId: string): void {
  for (const other of Object.values(ctx.items())) {
    if (other.duplicateOf?.itemId !== item.id || other.state !== 'duplicate' || other.assetId) continue;
    if (!wantsIndexing(other) || other.options.indexId === item.options.indexId) continue;
    adopt(ctx, other, assetId, []);
    ctx.changed(other);
    ctx.follow(other);
  }
}

/** A prepared item whose adoption a crash or a wait interrupted (its duplicateOf saved, no asset yet). */
export const adoptionPending = (item: ItemRecord): boolean =>
  !!item.duplicateOf && !item.assetId && !item.forceUpload && wantsIndexing(item);
