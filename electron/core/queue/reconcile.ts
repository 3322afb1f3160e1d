import type { UndiciTwelveLabsClient } from '../api/client.ts';
import { AbortedError, TwelveLabsError } from '../api/errors.ts';
import type { IncompleteUpload } from '../api/wire.ts';
import { isPlatformId } from '../library/platform-ids.ts';
import type { ItemRecord } from './item-record.ts';
import type { TransferContext } from './item-transfer.ts';

/** Clocks of the app and the platform differ: look a little before the attempt began. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The assets a create request may have made before we could save its id (a crash or a lost
 * answer): same filename, created since the attempt began, size equal when the platform knows it.
 * Oldest first, those the platform dates before the attempt (only the clocks' skew lets them in)
 * last: the caller takes the first one no other item claims (even a failed one: following it then
 * tells the person why, instead of uploading again).
 */
export async function findOrphanAssets(
  client: UndiciTwelveLabsClient,
  query: {
    name: string;
    since: number;
    size?: number;
    signal?: AbortSignal;
    /** false: leave out those dated before the attempt (let in only by the skew margin). */
    earlyToo?: boolean;
  },
): Promise<string[]> {
  const candidates: Array<{ id: string; createdAt: number }> = [];
  for await (const asset of client.listAssets({ filename: query.name }, { signal: query.signal })) {
    const createdAt = platformToOurs(client, asset.createdAt);
    // Newest first: once assets are older than the attempt, none further can match.
    if (Number.isFinite(createdAt) && createdAt < query.since - CLOCK_SKEW_MS) break;
    // The filter is a substring match: the name must be the same. An id that is not one is never
    // adopted (it would be saved, followed and used as a file name).
    if (asset.filename !== query.name || !isPlatformId(asset.id)) continue;
    if (asset.size !== undefined && query.size !== undefined && asset.size !== query.size) continue;
    candidates.push({ id: asset.id, createdAt });
  }
  const early = (c: { createdAt: number }) => (c.createdAt < query.since ? 1 : 0);
  candidates.sort((a, b) => early(a) - early(b) || a.createdAt - b.createdAt);
  return candidates.filter((c) => query.earlyToo !== false || !early(c)).map((c) => c.id);
}

/**
 * The multipart sessions a create request may have made before we could save it (a crash, a lost
 * answer): active, the same total size, created since the attempt began. The listing names no
 * file: the caller decides what an ambiguous answer means.
 */
export async function findOrphanSessions(
  client: UndiciTwelveLabsClient,
  query: { size: number; since: number; signal?: AbortSignal },
): Promise<IncompleteUpload[]> {
  return (await client.listIncompleteUploads(query.signal)).filter(
    (u) =>
      u.status === 'active' &&
      u.totalSize === query.size &&
      !(platformToOurs(client, u.createdAt) < query.since - CLOCK_SKEW_MS),
  );
}

/**
 * A date the platform gave, on our clock: the platform's clock and ours may be minutes apart (a
 * laptop's clock set by hand), and the attempt was dated by ours. NaN when there is none.
 */
export function platformToOurs(client: UndiciTwelveLabsClient, date: string | undefined): number {
  const offset = client.transport.platformClockOffsetMs;
  // The Date header is to the second and comes after a trip over the network: an offset that
  // small is noise (clocks kept by NTP agree far better), and would blur "made since the attempt".
  return date ? Date.parse(date) - (Math.abs(offset) < CLOCK_NOISE_MS ? 0 : offset) : NaN;
}

const CLOCK_NOISE_MS = 5_000;

/** Waits before looking again for what an attempt whose whole body was sent made. */
const BODY_SENT_LOOKS_MS = [2_000, 4_000];

/**
 * How long after an attempt whose whole body went out what it made is looked for before the
 * request is sent again. A platform may list a new asset late (eventual consistency): sending
 * again too soon makes the duplicate a person trusts this app never to make. Past this, the
 * attempt is taken as lost (a gateway that swallowed it) and sent again.
 */
export const ARRIVAL_PATIENCE_MS = 2 * 60_000;

/**
 * Attempts this process cut itself (a pause, a key refused for another item): looked for a few
 * seconds only, as before (a pause must not hold a file for minutes). Patience is for what nobody
 * chose: a lost answer, a crash.
 */
const cutByUs = new WeakSet<ItemRecord>();

/** The item's attempt was aborted here (after its body may have gone out). */
export function noteCutByUs(item: ItemRecord): void {
  cutByUs.add(item);
}

/**
 * What an attempt whose whole body went out made is not listed yet, and the patience above is not
 * spent: the item waits (the queue's own waits) and looks again before sending anything.
 */
export class ArrivalUnconfirmedError extends TwelveLabsError {
  readonly retryable = true;
  constructor() {
    super('Checking whether the upload arrived at TwelveLabs before sending it again.');
    this.name = 'ArrivalUnconfirmedError';
  }
}

/**
 * The asset the item's last create made, claimed for it (`item.assetId`), or undefined (then the
 * attempt is forgotten: the next one sends again). The oldest unclaimed candidate wins.
 */
export async function findOrphanAsset(
  ctx: TransferContext,
  item: ItemRecord,
  signal: AbortSignal,
): Promise<string | undefined> {
  const since = item.attemptStartedAt!;
  return withPatience(ctx, item, signal, async () => {
    const candidates = await findOrphanAssets(ctx.client, {
      name: item.name,
      since,
      size: item.size,
      signal,
      // One dated before the attempt is most likely an earlier upload of the same file or URL
      // (a URL's is in no ledger): while ours may still be listed late, it is not taken for ours.
      earlyToo: !stillPatient(ctx, item),
    });
    const claimed = new Set<string>();
    for (const other of Object.values(ctx.items()))
      if (other !== item && other.assetId) claimed.add(other.assetId);
    // The ledger writes a created asset down before the item does: killed between the two, the
    // asset the ledger has for this content since this attempt began is this attempt's (skipping
    // it made a second upload, ledger-kill.test.ts). Any other asset it knows is another upload's.
    const own = item.sha256 ? ctx.ledger.find(item.sha256) : undefined;
    const ours = own && own.uploadedAt >= since ? own.assetId : undefined;
    const id = candidates.find((c) => !claimed.has(c) && (c === ours || !ctx.ledger.knowsAsset(c)));
    // Claimed in the same turn as the check above: two items of one name looking at once never
    // both take one asset.
    if (id) item.assetId = id;
    return id;
  });
}

/**
 * The session the item's last session request made, adopted as `item.multipart` (resumed like a
 * handle saved before a crash); the same path for a crash and for a lost answer. False when there
 * is none, or more than one could be it (then the attempt is forgotten: a new session is made).
 */
export async function adoptOrphanSession(
  ctx: TransferContext,
  item: ItemRecord,
  path: string,
  signal: AbortSignal,
): Promise<boolean> {
  const since = item.attemptStartedAt!;
  const handle = await withPatience(ctx, item, signal, async () => {
    const candidates = await findOrphanSessions(ctx.client, { size: item.size!, since, signal });
    const taken = new Set<string>();
    for (const other of Object.values(ctx.items()))
      if (other !== item && other.multipart) taken.add(other.multipart.uploadId);
    const free = candidates.filter((c) => !taken.has(c.uploadId));
    // Those the platform dates since the attempt first (the skew margin lets in older ones).
    const recent = free.filter((c) => !(platformToOurs(ctx.client, c.createdAt) < since));
    // The listing names no file: only a single candidate is taken (adopting the wrong one would
    // put these bytes under another file's name). oneCreateAtATime keeps ours single.
    const [session, other] = recent.length > 0 ? recent : free;
    if (!session || other) return undefined;
    // Claimed in the same turn as the check above: two items looking at once never both take it.
    item.multipart = {
      uploadId: session.uploadId,
      assetId: '', // learnt from the first chunk report
      path,
      size: item.size!,
      mtimeMs: item.mtimeMs,
      chunkSize: session.chunkSize,
      totalChunks: session.totalChunks,
      expiresAt: session.expiresAt,
      uploadHeaders: {}, // not listed; the official SDK sends none either
      chunks: {},
    };
    return item.multipart;
  });
  if (handle) ctx.logger.info('adopted the upload session an interrupted attempt made', { item: item.id });
  return handle !== undefined;
}

/**
 * Looks for what the last attempt made. When its whole body had been handed over, the platform
 * may still be acting on it when we first look (it finishes a request whose sender is gone), so
 * it is looked for again a little later before it is called absent; and again on the item's
 * next tries (the caller throws ArrivalUnconfirmedError) until ARRIVAL_PATIENCE_MS since the
 * attempt. Absent after that, or when the body never went out whole: the attempt is forgotten
 * (the next one sends again).
 */
async function withPatience<T>(
  ctx: TransferContext,
  item: ItemRecord,
  signal: AbortSignal,
  look: () => Promise<T | undefined>,
): Promise<T | undefined> {
  let found = await look();
  for (const waitMs of item.attemptBodySent ? BODY_SENT_LOOKS_MS : []) {
    if (found !== undefined) break;
    await ctx.clock.sleep(waitMs, signal);
    found = await look();
  }
  const patient = stillPatient(ctx, item);
  if (found !== undefined || !patient) cutByUs.delete(item);
  if (found === undefined && !patient) {
    item.attemptStartedAt = undefined;
    item.attemptBodySent = undefined;
    ctx.changed(item);
  }
  return found;
}

/** Whether what the item's attempt made may still be listed later (see ARRIVAL_PATIENCE_MS). */
function stillPatient(ctx: TransferContext, item: ItemRecord): boolean {
  return (
    item.attemptBodySent === true &&
    !cutByUs.has(item) &&
    ctx.clock.now() - (item.attemptStartedAt ?? 0) < (ctx.arrivalPatienceMs ?? ARRIVAL_PATIENCE_MS)
  );
}

const outstanding = new WeakMap<TransferContext, Map<string, Promise<unknown>>>();

/** What tells apart what a create made: a session by its size; an asset by its name and size. */
export const createKey = {
  session: (size: number) => `session:${size}`,
  asset: (name: string, size: number | undefined) => `asset:${size ?? ''}:${name}`,
};

/**
 * Runs `work` (one create and whatever resolves its lost answer) after any other item's with the
 * same key has settled. Reconciliation tells what a create made by its name and size (a session
 * by its size only): with one such create outstanding at a time, what a lost answer made is never
 * ambiguous, so it is always adopted by its own item and never left behind.
 */
export async function oneCreateAtATime<T>(
  ctx: TransferContext,
  key: string,
  signal: AbortSignal,
  work: () => Promise<T>,
): Promise<T> {
  let byKey = outstanding.get(ctx);
  if (!byKey) outstanding.set(ctx, (byKey = new Map()));
  const previous = byKey.get(key) ?? Promise.resolve();
  const run = untilSettledOrAborted(previous, signal).then(work);
  // The next one waits for this one and for the one before it (this one may end early: aborted).
  const settled = Promise.allSettled([previous, run]);
  byKey.set(key, settled);
  try {
    return await run;
  } finally {
    if (byKey.get(key) === settled) byKey.delete(key);
  }
}

/** Resolves once `previous` settles; rejects at once if the signal aborts first. */
function untilSettledOrAborted(previous: Promise<unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(new AbortedError());
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    void previous
      .then(
        () => resolve(),
        () => resolve(),
      )
      .finally(() => signal.removeEventListener('abort', abort));
  });
}
