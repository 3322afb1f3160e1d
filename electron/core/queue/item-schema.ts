import { z } from 'zod';
import { uploadOptionsSchema } from '../../shared/contract.ts';
import type { HistoryEntry } from '../../shared/queue-types.ts';
import { MEDIA_KINDS } from '../../shared/domain.ts';
import {
  checkEntry,
  checkField,
  checkMap,
  count,
  epochMs,
  isRecord,
  oneMapDocument,
  plural,
  safeId,
  type DocumentSchema,
  type EntryShape,
} from '../store/document-schema.ts';
import { isPlatformId } from '../library/platform-ids.ts';
import type { ItemRecord } from './item-record.ts';
import type { LedgerEntry } from './upload-ledger.ts';

/**
 * The schemas of the queue's documents (queue.json, ledger.json), checked at load: a damaged item
 * is repaired or dropped on its own, the others keep going.
 */

const itemState = z.enum([
  'queued',
  'preparing',
  'uploading',
  'finalizing',
  'processing',
  'ready',
  'waiting',
  'paused',
  'canceled',
  'failed',
  'duplicate',
  'source-missing',
  'indexing',
  'indexed',
  'index-failed',
]);
/** An id the platform handed out (24 hex digits): an asset id from disk is checked like one from the wire. */
export const platformId = z.string().refine(isPlatformId, 'not a TwelveLabs id');
const MAX_WAIT_MS = 2 * 24 * 3_600_000;
const WEEK_MS = 7 * 24 * 3_600_000;
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256');
const text = z.string().max(10_000);

const multipartHandle = z.object({
  uploadId: safeId,
  // '' until the first chunk report: a session adopted after a lost answer (item-transfer.ts).
  assetId: safeId.or(z.literal('')),
  path: z.string().min(1),
  size: count,
  mtimeMs: z.number().finite().optional(),
  chunkSize: count.min(1),
  totalChunks: count.min(1),
  expiresAt: z.string().optional(),
  uploadHeaders: z.record(z.string(), z.string()),
  chunks: z.record(
    z.string().regex(/^\d{1,6}$/),
    z.object({ etag: z.string().max(1_000), reported: z.boolean() }),
  ),
});

const ITEM: EntryShape = {
  required: {
    id: z.string().min(1).max(200),
    source: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096) }),
      z.object({ kind: z.literal('url'), url: z.string().min(1).max(8192) }),
    ]),
    name: z.string().min(1).max(1_000),
    state: itemState,
  },
  optional: {
    options: uploadOptionsSchema,
    wait: z.object({
      code: z.enum(['offline', 'rate-limited', 'server', 'auth', 'source-changed']),
      message: text,
      resumeAt: epochMs.optional(),
    }),
    error: text,
    retryable: z.boolean(),
    addedAt: epochMs,
    updatedAt: epochMs,
    finishedAt: epochMs,
    kind: z.enum(MEDIA_KINDS),
    size: count,
    sha256,
    method: z.enum(['direct', 'multipart', 'url']),
    assetId: platformId,
    duplicateOf: z.object({ assetId: platformId.optional(), itemId: z.string().max(200).optional() }),
    origin: z.object({ folderId: z.string().min(1).max(200), relativePath: z.string().min(1).max(4096) }),
    sourceFolder: z.string().max(4096), // '' for a folder at a drive's root (basename of '/')
    order: z.number().finite(),
    mtimeMs: z.number().finite(),
    mime: z.string().max(200),
    attemptStartedAt: epochMs,
    attemptBodySent: z.boolean(),
    multipart: multipartHandle,
    resumeTo: z.enum(['queued', 'processing']),
    pausedBy: z.enum(['user', 'all']),
    failures: count,
    forceUpload: z.boolean(),
    indexing: z.object({
      indexId: platformId,
      indexName: z.string().max(1_000).optional(),
      indexedAssetId: platformId.optional(),
      status: z.string().max(50).optional(),
      createStartedAt: epochMs.optional(),
      checked: z.boolean().optional(),
      refused: text.optional(),
      skipped: text.optional(),
    }),
  },
};

const historyEntry = z.object({
  itemId: z.string().max(200),
  name: z.string().max(1_000),
  state: itemState,
  assetId: platformId.optional(),
  size: count.optional(),
  finishedAt: epochMs,
  error: text.optional(),
});

/** The name a person knows an item by, when it has to be dropped. */
function itemName(value: unknown, id: string): string {
  return JSON.stringify(
    isRecord(value) && typeof value.name === 'string' ? value.name.slice(0, 80) : id.slice(0, 80),
  );
}

/**
 * One item: checked, then made consistent with itself, so that no state waits for something that
 * can never come (a `processing` item without an asset, a `waiting` item without a reason).
 */
function checkItem(value: unknown, id: string, queuePaused: boolean) {
  const result = checkEntry(value, ITEM);
  if (!result.ok) return result;
  const item = result.value as unknown as ItemRecord;
  const repaired = result.repaired;
  if (item.id !== id) {
    item.id = id;
    repaired.push('id');
  }
  item.options ??= {};
  item.addedAt ??= 0;
  item.updatedAt ??= item.addedAt;
  item.order ??= item.addedAt;
  if (item.multipart && (item.source.kind !== 'file' || item.multipart.path !== item.source.path)) {
    delete item.multipart;
    repaired.push('multipart');
  }
  if (item.resumeTo === 'processing' && !item.assetId) item.resumeTo = 'queued';
  if ((item.state === 'processing' || item.state === 'indexing') && !item.assetId) {
    item.state = 'queued';
    repaired.push('state');
  }
  if (item.state === 'waiting' && !item.wait) {
    item.state = item.resumeTo ?? 'queued';
    repaired.push('state');
  }
  // No wait of ours is longer (a rate limit's reset, a backoff): a later time would stall the
  // item, and `tl-uploader resume` with it, until then. It tries again at once instead.
  if (item.wait?.resumeAt !== undefined && item.wait.resumeAt > Date.now() + MAX_WAIT_MS) {
    item.wait = { ...item.wait, resumeAt: Date.now() };
    repaired.push('wait');
  }
  if (item.state === 'paused') {
    item.pausedBy ??= 'user';
    // Paused by a "pause all" that is no longer in force: nothing would ever resume it.
    if (item.pausedBy === 'all' && !queuePaused) {
      item.state = item.resumeTo ?? 'queued';
      delete item.pausedBy;
    }
  }
  return { ok: true as const, value: item, repaired };
}

export type QueueData = {
  version: 1;
  items: Record<string, ItemRecord>;
  history: HistoryEntry[];
  paused: boolean;
  /** A timed "pause all" ends then (ms since epoch), also across restarts. */
  pausedUntil?: number;
  /**
   * A "pause all" over many items whose items are not saved paused yet (queue-bulk.ts): loading
   * finds it only after a crash, and then pauses every pending item itself.
   */
  pausing?: boolean;
} & Record<string, unknown>;

export const HISTORY_LIMIT = 1000;

export const queueSchema: DocumentSchema<QueueData> = {
  label: 'the upload queue (queue.json)',
  initial: () => ({ version: 1, items: {}, history: [], paused: false }),
  journal: { version: 1, items: 2, history: 1, paused: 1, pausedUntil: 1, pausing: 1 },
  check(raw, problems) {
    const paused = checkField(raw, 'paused', z.boolean(), false, problems, 'whether all uploads are paused');
    // A timed pause is at most a week (uploads:pause-all): a later end is no end the person chose.
    const until = epochMs.max(Date.now() + WEEK_MS).optional();
    const pausedUntil = paused
      ? checkField(raw, 'pausedUntil', until, undefined, problems, 'the end of the timed pause')
      : undefined;
    const pausing = paused
      ? checkField(raw, 'pausing', z.boolean().optional(), undefined, problems, 'the "pause all" mark')
      : undefined;
    const items = checkMap(
      raw.items,
      'queue item',
      problems,
      (value, id) => checkItem(value, id, paused),
      itemName,
    );
    let history: HistoryEntry[] = [];
    if (Array.isArray(raw.history)) {
      history = raw.history.flatMap((entry) => {
        const parsed = historyEntry.safeParse(entry);
        return parsed.success ? [parsed.data] : [];
      });
      const lost = raw.history.length - history.length;
      if (lost > 0) problems.push(`${plural(lost, 'history entry', 'history entries')} could not be read`);
      history.splice(HISTORY_LIMIT);
    } else if (raw.history !== undefined) problems.push('the upload history was unreadable');
    return { ...raw, version: 1, items, history, paused, pausedUntil, pausing };
  },
  kept: (data) =>
    `${plural(Object.keys(data.items).length, 'item')} in the queue (files missing from it must be added again)`,
};

const ledgerEntry = z.object({
  assetId: platformId,
  name: z.string().max(1_000),
  size: count,
  uploadedAt: epochMs,
});

export type LedgerData = { version: 1; byHash: Record<string, LedgerEntry> } & Record<string, unknown>;

export const ledgerSchema: DocumentSchema<LedgerData> = oneMapDocument({
  label: 'the record of uploaded content (ledger.json)',
  field: 'byHash',
  what: 'uploaded-content record',
  key: sha256,
  keyReason: 'not a content hash',
  value: ledgerEntry,
  kept: (n) =>
    `${plural(n, 'uploaded file')} (a file whose record was lost is uploaded again if it is added again)`,
});
