import { stat } from 'node:fs/promises';
import type { ItemState } from '../../shared/queue-types.ts';
import type { UndiciTwelveLabsClient } from '../api/client.ts';
import type { BandwidthLimiter } from '../api/counted-body.ts';
import {
  AbortedError,
  ApiError,
  mayHaveActed,
  OutcomeUnknownError,
  ResponseFormatError,
  SourceChangedError,
} from '../api/errors.ts';
import { runMultipartUpload, startMultipartUpload } from '../api/multipart-upload.ts';
import { InvalidPlatformId, isPlatformId } from '../library/platform-ids.ts';
import type { Clock, Logger } from '../ports.ts';
import { sha256File } from './hashing.ts';
import { adoptionPending, continueTwinsOf, duplicateWithIndex } from './duplicate-index.ts';
import { requireWholeText } from './document-text.ts';
import { uploadOptions, type ItemRecord } from './item-record.ts';
import { InputRejected, preflightFile } from './preflight.ts';
import type { ProgressTracker } from './progress-tracker.ts';
import {
  adoptOrphanSession,
  ArrivalUnconfirmedError,
  createKey,
  findOrphanAsset,
  noteCutByUs,
  oneCreateAtATime,
} from './reconcile.ts';
import type { UploadLedger } from './upload-ledger.ts';

/** What a transfer needs from the queue that owns the item. */
export interface TransferContext {
  client: UndiciTwelveLabsClient;
  ledger: UploadLedger;
  clock: Clock;
  logger: Logger;
  /** The bandwidth limits this item's bytes must pass. */
  limiterFor(item: ItemRecord): BandwidthLimiter;
  progress: ProgressTracker;
  /** Chunks sent at once per multipart file (read when a transfer starts: it can change). */
  chunkConcurrency(): number;
  items(): Record<string, ItemRecord>;
  /** Another item with the same content that still stands for it (queue-index.ts). */
  twinOf(item: ItemRecord): ItemRecord | undefined;
  /** Sets the item's state, saves (soon) and tells whoever listens. */
  transition(item: ItemRecord, state: ItemState): void;
  /** The item's size or hash changed. */
  reindex(item: ItemRecord): void;
  /** The item changed in a way that must be saved soon. */
  changed(item: ItemRecord): void;
  /** Saves the item now; resolves once it is on disk. */
  save(item: ItemRecord): Promise<void>;
  emitChanged(id: string): void;
  /** Follows a created asset until the platform has processed it. */
  follow(item: ItemRecord): void;
  /** Video and audio from this size go through the multipart API (default: above the direct limit). */
  multipartFromBytes?: number;
  /** How long a lost create's asset is looked for before it is sent again (default: reconcile.ts). */
  arrivalPatienceMs?: number;
}

/**
 * Everything from `queued` to "the platform has the asset": checks and hashes a file (a duplicate
 * ends here), then sends it directly, as a resumable multipart session, or as a URL, and hands the
 * new asset to `follow`. Every step that the platform could complete without our knowing (a crash,
 * a lost answer) is saved before it starts, and the next attempt looks for what it left
 * (reconcile.ts) before sending anything again: no file is uploaded twice.
 * Throws what went wrong; the queue's error policy decides what happens next.
 */
export async function transferItem(
  ctx: TransferContext,
  item: ItemRecord,
  signal: AbortSignal,
): Promise<void> {
  if (item.source.kind === 'url') return transferUrl(ctx, item, item.source.url, signal);
  const path = item.source.path;
  if (!item.sha256) {
    if (!(await prepare(ctx, item, path, signal))) return;
  } else {
    // Prepared before a restart or a wait: make sure the file is still what we hashed.
    const info = await stat(path).catch(() => undefined);
    if (!info)
      throw new InputRejected(`${item.name} was not found. It may have been moved or deleted.`, true);
    if (info.size !== item.size || info.mtimeMs !== item.mtimeMs)
      throw new SourceChangedError('The file changed since it was checked.');
    if (adoptionPending(item) && (await duplicateFound(ctx, item, signal))) return;
  }
  if (item.method === 'multipart') return transferMultipart(ctx, item, path, signal);

  await createOnce(ctx, item, signal, async () => {
    ctx.progress.begin(item.id, item.size!);
    const asset = await ctx.client.createAssetFromFile(path, {
      ...uploadOptions(item),
      filename: item.name,
      signal,
      limiter: ctx.limiterFor(item),
      expected: { size: item.size!, mtimeMs: item.mtimeMs! },
      onProgress: (sent, total) => ctx.progress.update(item.id, Math.floor((sent / total) * item.size!)),
      onBodyHandedOver: () => {
        item.attemptBodySent = true;
        ctx.changed(item);
      },
    });
    return asset.id;
  });
}

/**
 * Sends a create-asset request at most once per attempt. What an earlier attempt may have made (a
 * crash, a pause) is looked for first; a lost answer to this one (OutcomeUnknownError) is resolved
 * the same way at once: the asset it made is adopted, and only once it is proven absent does the
 * error go to the queue's policy, which waits and then sends again. Files of one name and size
 * are sent one after the other, so what a lost answer made is never another item's.
 */
async function createOnce(
  ctx: TransferContext,
  item: ItemRecord,
  signal: AbortSignal,
  send: () => Promise<string>,
): Promise<void> {
  const key = createKey.asset(item.name, item.size);
  const assetId = await oneCreateAtATime(ctx, key, signal, () => sendOnce(ctx, item, signal, send));
  if (assetId) await assetCreated(ctx, item, assetId);
}

/** The asset the item's create made, or undefined when an earlier attempt's was adopted. */
async function sendOnce(
  ctx: TransferContext,
  item: ItemRecord,
  signal: AbortSignal,
  send: () => Promise<string>,
): Promise<string | undefined> {
  if (item.attemptStartedAt) {
    if (await reconcile(ctx, item, signal)) return undefined;
    // Not listed yet, and still remembered: the platform may list it late. Looked for again later.
    if (item.attemptStartedAt) throw new ArrivalUnconfirmedError();
  }
  item.attemptStartedAt = ctx.clock.now();
  item.attemptBodySent = undefined;
  ctx.transition(item, 'uploading');
  await ctx.save(item); // saved before the request that may create the asset
  try {
    // An answer whose id is not one was garbled on the way (a proxy) or is not the platform's:
    // the create reached it, so what it made is looked for rather than sent again.
    const id = await send();
    if (!isPlatformId(id)) return await unreadableId(ctx, item, signal, id);
    // Claimed at once, before another create of this name and size may start.
    return (item.assetId = id);
  } catch (error) {
    if (!(error instanceof OutcomeUnknownError)) {
      if (signal.aborted) noteCutByUs(item);
      // The platform answered that it made nothing (a 4xx, a 503 asking to come back later): there
      // is nothing to look for. A pause or a cut may have come after it acted: that is looked for.
      if (error instanceof ApiError && !mayHaveActed(error)) forgetAttempt(ctx, item);
      throw error;
    }
    await lostAnswer(ctx, item, error);
    if (await reconcile(ctx, item, signal)) return undefined;
    throw item.attemptStartedAt ? new ArrivalUnconfirmedError() : error.underlying;
  }
}

/**
 * The platform answered a create with an id that is not one: it made something. What it made is
 * looked for by its listing and adopted; when it cannot be found, the item fails saying why (the
 * person may retry), and the create is not sent again by itself: it would make another asset.
 */
async function unreadableId(
  ctx: TransferContext,
  item: ItemRecord,
  signal: AbortSignal,
  id: unknown,
): Promise<undefined> {
  await lostAnswer(ctx, item, new OutcomeUnknownError(invalidId(id), true));
  if (await reconcile(ctx, item, signal)) return undefined;
  forgetAttempt(ctx, item);
  throw invalidId(id);
}

/** Nothing the last attempt could have made is left to look for. */
function forgetAttempt(ctx: TransferContext, item: ItemRecord): void {
  item.attemptStartedAt = undefined;
  item.attemptBodySent = undefined;
  ctx.changed(item);
}

/** Notes a lost answer on the item (saved: a crash now reconciles with the same patience). */
async function lostAnswer(ctx: TransferContext, item: ItemRecord, error: OutcomeUnknownError) {
  ctx.logger.warn('the answer to a create was lost; looking for what it made before sending again', {
    item: item.id,
    bodyComplete: error.bodyComplete,
    error: error.underlying.message,
  });
  if (error.bodyComplete) item.attemptBodySent = true;
  await ctx.save(item);
}

/** Checks, hashes and dedupes a file. Returns false when there is nothing to upload. */
async function prepare(
  ctx: TransferContext,
  item: ItemRecord,
  path: string,
  signal: AbortSignal,
): Promise<boolean> {
  ctx.transition(item, 'preparing');
  const prepared = await preflightFile(path, { name: item.name });
  const sha256 = await sha256File(path, signal).catch((error: unknown) => {
    if (signal.aborted) throw new AbortedError();
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new InputRejected(`${item.name} was not found. It may have been moved or deleted.`, true);
    throw new InputRejected(`${item.name} could not be read: ${(error as Error).message}`);
  });
  if (prepared.kind === 'document' && prepared.mime !== 'application/pdf')
    await requireWholeText(path, item.name, signal);
  const after = await stat(path);
  if (after.size !== prepared.size || after.mtimeMs !== prepared.mtimeMs)
    throw new SourceChangedError('The file changed while it was being checked.');
  Object.assign(item, {
    size: prepared.size,
    mtimeMs: prepared.mtimeMs,
    kind: prepared.kind,
    mime: prepared.mime,
    method:
      // Images and documents are never chunked (documents have no multipart upload: limits.ts).
      ctx.multipartFromBytes !== undefined &&
      prepared.size >= ctx.multipartFromBytes &&
      prepared.kind !== 'image' &&
      prepared.kind !== 'document'
        ? 'multipart'
        : prepared.method,
    sha256,
  });
  ctx.reindex(item);
  if (!item.forceUpload) {
    const known = ctx.ledger.find(sha256);
    const twin = known ? undefined : ctx.twinOf(item);
    if (known || twin) {
      item.duplicateOf = known
        ? { assetId: known.assetId }
        : { itemId: twin!.id, ...(twin!.assetId && { assetId: twin!.assetId }) };
      return !(await duplicateFound(ctx, item, signal));
    }
  }
  ctx.changed(item);
  return true;
}

/** A duplicate with an index chosen is indexed (duplicate-index.ts); without, it ends here. False: upload it. */
async function duplicateFound(ctx: TransferContext, item: ItemRecord, signal: AbortSignal) {
  const next = await duplicateWithIndex(ctx, item, signal);
  if (next !== 'duplicate') return next === 'adopted';
  item.finishedAt = ctx.clock.now();
  ctx.transition(item, 'duplicate');
  return true;
}

async function transferUrl(
  ctx: TransferContext,
  item: ItemRecord,
  url: string,
  signal: AbortSignal,
): Promise<void> {
  item.method = 'url';
  await createOnce(ctx, item, signal, async () => {
    const asset = await ctx.client.createAssetFromUrl(url, { ...item.options, filename: item.name, signal });
    return asset.id;
  });
}

async function transferMultipart(
  ctx: TransferContext,
  item: ItemRecord,
  path: string,
  signal: AbortSignal,
): Promise<void> {
  ctx.transition(item, 'uploading');
  const urls = item.multipart
    ? []
    : await oneCreateAtATime(ctx, createKey.session(item.size!), signal, () =>
        beginSession(ctx, item, path, signal),
      );
  ctx.progress.begin(item.id, item.size!);
  const { assetId } = await runMultipartUpload(
    ctx.client,
    item.multipart!,
    {
      signal,
      concurrency: ctx.chunkConcurrency(),
      limiter: ctx.limiterFor(item),
      onProgress: (p) => {
        ctx.progress.update(item.id, p.confirmedBytes + p.inFlightBytes);
        if (p.confirmedBytes === p.totalBytes && item.state === 'uploading')
          ctx.transition(item, 'finalizing');
      },
      // Each chunk's ETag is saved as it lands: a restart sends only the missing chunks.
      onHandleChange: () => ctx.save(item),
    },
    urls,
  );
  // The completed session's asset is the only one its bytes will ever make: an id that is not one
  // is refused (never saved, followed or used as a file name), and the item says why.
  if (!isPlatformId(assetId)) throw invalidId(assetId);
  await assetCreated(ctx, item, assetId);
}

/** An asset id from the platform that is not one: a fault of the platform's answer, said plainly. */
function invalidId(id: unknown): ResponseFormatError {
  return new ResponseFormatError(new InvalidPlatformId(id).message);
}

/**
 * Gives the item a session: the one an interrupted attempt made (a crash, a pause, a lost answer:
 * reconcile.ts), or a new one. Returns the new session's first upload URLs.
 */
async function beginSession(ctx: TransferContext, item: ItemRecord, path: string, signal: AbortSignal) {
  let urls: Awaited<ReturnType<typeof startMultipartUpload>>['urls'] = [];
  const adopted = item.attemptStartedAt !== undefined && (await adoptOrphanSession(ctx, item, path, signal));
  // Not listed yet, and still remembered (see sendOnce): looked for again later.
  if (!adopted && item.attemptStartedAt) throw new ArrivalUnconfirmedError();
  if (!adopted) {
    // Saved before the request: a crash before its answer is saved is reconciled above.
    item.attemptStartedAt = ctx.clock.now();
    item.attemptBodySent = undefined;
    await ctx.save(item);
    try {
      const started = await startMultipartUpload(
        ctx.client,
        { path, size: item.size!, type: item.kind!, filename: item.name, mtimeMs: item.mtimeMs },
        {
          enableHls: item.options.enableHls,
          enableThumbnail: item.options.enableThumbnail,
          userMetadata: uploadOptions(item).userMetadata,
          signal,
        },
      );
      item.multipart = started.handle;
      urls = started.urls;
    } catch (error) {
      if (!(error instanceof OutcomeUnknownError)) throw error;
      await lostAnswer(ctx, item, error);
      if (!(await adoptOrphanSession(ctx, item, path, signal)))
        throw item.attemptStartedAt ? new ArrivalUnconfirmedError() : error.underlying;
    }
  }
  item.attemptStartedAt = undefined;
  item.attemptBodySent = undefined;
  await ctx.save(item); // the session exists: remember it before sending a byte
  return urls;
}

/**
 * A crash, a pause or a lost answer may have come between "the platform created the asset" and
 * "we saved its id": the asset is looked for (reconcile.ts) and adopted. True when it was.
 */
async function reconcile(ctx: TransferContext, item: ItemRecord, signal: AbortSignal): Promise<boolean> {
  const found = await findOrphanAsset(ctx, item, signal);
  if (!found) return false;
  ctx.logger.info('reconciled an upload whose answer was lost after the platform created its asset', {
    item: item.id,
    asset: found,
  });
  await assetCreated(ctx, item, found);
  return true;
}

/** The platform has the asset: remember it (item, ledger, the item's duplicates) and follow it. */
async function assetCreated(ctx: TransferContext, item: ItemRecord, assetId: string): Promise<void> {
  item.assetId = assetId;
  item.attemptStartedAt = undefined;
  item.attemptBodySent = undefined;
  item.multipart = undefined;
  item.failures = 0;
  item.wait = undefined;
  ctx.transition(item, 'processing');
  // The asset exists: a record of it that cannot be written now (a full disk) does not fail the
  // upload. It stays in memory and is written again by itself and at close (persisted-document);
  // killed before that, the next start finds the asset by reconciliation (the attempt was saved).
  const writeLater = (error: unknown) =>
    ctx.logger.warn('an uploaded asset could not be written down yet; it is kept and written again', {
      item: item.id,
      asset: assetId,
      error: (error as Error).message,
    });
  if (item.sha256)
    await ctx.ledger
      .record(item.sha256, { assetId, name: item.name, size: item.size ?? 0, uploadedAt: ctx.clock.now() })
      .catch(writeLater);
  for (const other of Object.values(ctx.items()))
    if (other.duplicateOf?.itemId === item.id) {
      other.duplicateOf = { ...other.duplicateOf, assetId };
      ctx.changed(other);
      ctx.emitChanged(other.id);
    }
  continueTwinsOf(ctx, item, assetId);
  await ctx.save(item).catch(writeLater);
  ctx.follow(item);
}
