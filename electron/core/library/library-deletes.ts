import type { DeleteOutcome } from '../../shared/library-types.ts';
import type { UndiciTwelveLabsClient } from '../api/client.ts';
import { TwelveLabsError } from '../api/errors.ts';
import { isConflict, isGone } from '../api/platform-answers.ts';
import type { Clock, Logger } from '../ports.ts';
import type { PersistedDocument } from '../store/persisted-document.ts';
import type { MirrorData } from './library-schema.ts';
import { describeId, isPlatformId } from './platform-ids.ts';

/**
 * Deletes on the library's mirror (AssetLibrary keeps the reading and syncing): a delete is
 * reflected only once the platform confirmed it; offline it waits in `pendingDeletes` (the asset
 * shows "deleting") and is carried out by the next sync; a 409 marks the asset `deleteBlocked`.
 */
export interface DeleteContext {
  readonly doc: PersistedDocument<MirrorData>;
  readonly client: UndiciTwelveLabsClient;
  readonly clock: Clock;
  readonly logger: Logger;
  markOnline(): void;
  noteFailure(error: unknown): void;
  /** Drops an asset the platform no longer has (its thumbnail, its ledger entry). */
  removeLocal(assetId: string): void;
}

/** An asset's entry and its pending delete changed (either may be gone). */
export function markDeleteState(doc: PersistedDocument<MirrorData>, id: string): void {
  doc.changedAt('assets', id);
  doc.changedAt('pendingDeletes', id);
}

export async function deleteOne(ctx: DeleteContext, id: string, force: boolean): Promise<DeleteOutcome> {
  if (!isPlatformId(id)) return { id, outcome: 'failed', message: `${describeId(id)} is not an asset id.` };
  const asset = ctx.doc.data.assets[id];
  try {
    await ctx.client.deleteAsset(id, { force });
    ctx.markOnline();
    ctx.removeLocal(id);
    return { id, outcome: 'deleted' };
  } catch (error) {
    if (isGone(error)) {
      ctx.removeLocal(id);
      return { id, outcome: 'deleted' };
    }
    if (isConflict(error)) {
      const references = await ctx.client
        .listIndexedAssets(id, { pageLimit: 1 })
        .then((page) => page.pageInfo.totalResults ?? page.data.length)
        .catch(() => 0); // only for the wording: the message then says "Some"
      const message = `${references || 'Some'} indexed asset${references === 1 ? '' : 's'} reference${references === 1 ? 's' : ''} this asset. Deleting it anyway unlinks ${references === 1 ? 'it' : 'them'}; this cannot be undone.`;
      if (asset) {
        asset.deleteBlocked = { message, references };
        asset.deleting = undefined;
      }
      delete ctx.doc.data.pendingDeletes[id];
      markDeleteState(ctx.doc, id);
      return { id, outcome: 'blocked', message, references };
    }
    if (error instanceof TwelveLabsError && error.retryable) {
      // No network (or the platform is down): the delete waits, and the asset shows "deleting".
      ctx.noteFailure(error);
      ctx.doc.data.pendingDeletes[id] = { force, requestedAt: ctx.clock.now() };
      if (asset) asset.deleting = true;
      markDeleteState(ctx.doc, id);
      return { id, outcome: 'pending' };
    }
    return { id, outcome: 'failed', message: (error as Error).message };
  }
}

/** The deletes that waited for the network, in order; throws (to stop the sync) while still offline. */
export async function carryOut(
  ctx: DeleteContext,
  pendingDeletes: Array<[string, { force: boolean }]>,
): Promise<void> {
  for (const [id, pending] of pendingDeletes) {
    const outcome = await deleteOne(ctx, id, pending.force);
    if (outcome.outcome === 'pending') throw new Error('still offline');
    if (outcome.outcome !== 'deleted') {
      delete ctx.doc.data.pendingDeletes[id];
      const asset = ctx.doc.data.assets[id];
      if (asset) asset.deleting = undefined;
      markDeleteState(ctx.doc, id);
    }
    ctx.logger.info('pending delete carried out', { asset: id, outcome: outcome.outcome });
  }
}
