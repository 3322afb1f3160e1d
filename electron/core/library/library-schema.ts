import { z } from 'zod';
import type { LibraryAsset } from '../../shared/library-types.ts';
import { platformId } from '../queue/item-schema.ts';
import {
  checkEntry,
  checkField,
  checkMap,
  count,
  epochMs,
  keyedEntry,
  oneMapDocument,
  plural,
  type DocumentSchema,
} from '../store/document-schema.ts';

/**
 * The schemas of the library's documents: library.json (the offline mirror and the deletes that
 * wait for the network) and thumbnails.json (the thumbnail cache's index). Both are checked at
 * load. The mirror is a copy of what the platform has, so a damaged asset entry is simply dropped
 * (the next sync brings it back); a pending delete that is lost is said, since only the person
 * knows they asked for it.
 */

const subStatus = z.object({ status: z.string().max(100).optional() }).loose();

const asset = {
  required: { id: platformId },
  optional: {
    method: z.string().max(100),
    status: z.string().max(100),
    filename: z.string().max(10_000),
    fileType: z.string().max(200),
    createdAt: z.string().max(100),
    userMetadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    hls: subStatus,
    thumbnail: subStatus,
    technicalMetadata: z.record(z.string(), z.unknown()),
    size: count,
    duration: z.number().finite().nonnegative(),
    error: z.object({ message: z.string().max(10_000) }),
    deleting: z.boolean(),
    deleteBlocked: z.object({ message: z.string().max(10_000), references: count }),
  },
};

type MirrorData = {
  version: 1;
  assets: Record<string, LibraryAsset>;
  lastSyncedAt?: number;
  lastFullSyncAt?: number;
  /** Deletes asked for while offline, carried out when the network returns. */
  pendingDeletes: Record<string, { force: boolean; requestedAt: number }>;
} & Record<string, unknown>;

export type { MirrorData };

const pendingDelete = z.object({ force: z.boolean(), requestedAt: epochMs });

export const mirrorSchema: DocumentSchema<MirrorData> = {
  label: 'the offline copy of the library (library.json)',
  initial: () => ({ version: 1, assets: {}, pendingDeletes: {} }),
  journal: { version: 1, assets: 2, pendingDeletes: 2, lastSyncedAt: 1, lastFullSyncAt: 1 },
  check(raw, problems) {
    const assets = checkMap(raw.assets, 'library asset', problems, (value, id) => {
      const result = checkEntry(value, asset);
      if (!result.ok) return result;
      if (result.value.id !== id) return { ok: false, reason: 'filed under another id' };
      // Only the cache says where a thumbnail is: a path saved here would name any file at all.
      delete result.value.thumbnailPath;
      return { ok: true, value: result.value as unknown as LibraryAsset, repaired: result.repaired };
    });
    const pendingDeletes = checkMap(
      raw.pendingDeletes,
      ['delete waiting for the network', 'deletes waiting for the network'],
      problems,
      keyedEntry(platformId, 'not an asset id', pendingDelete),
    );
    // A lost pending delete leaves its asset marked "deleting" forever: show it as it is.
    for (const entry of Object.values(assets))
      if (entry.deleting && !pendingDeletes[entry.id]) entry.deleting = undefined;
    // A time in the future is no sync that happened: one would hold off the next full sync (which
    // drops assets deleted elsewhere) for as long. It is forgotten (the next sync is a full one),
    // but not called damage: a clock set back (a fast clock corrected, a machine without a
    // battery-backed clock) puts every saved time in the future, and nothing was lost.
    const syncTime = (key: string, what: string) => {
      const value = checkField(raw, key, epochMs, undefined, problems, what);
      return value !== undefined && value > Date.now() + 60_000 ? undefined : value;
    };
    const lastSyncedAt = syncTime('lastSyncedAt', 'the last sync time');
    const lastFullSyncAt = syncTime('lastFullSyncAt', 'the last full sync time');
    return { ...raw, version: 1, assets, pendingDeletes, lastSyncedAt, lastFullSyncAt };
  },
  kept: (data) =>
    `${plural(Object.keys(data.assets).length, 'asset')} (the next sync with TwelveLabs restores the rest); ` +
    `${plural(Object.keys(data.pendingDeletes).length, 'delete')} waiting for the network (a delete asked for offline that is not counted here must be asked for again)`,
};

interface CacheEntry {
  file: string;
  size: number;
  lastUsed: number;
}

export type CacheIndex = { version: 1; entries: Record<string, CacheEntry> } & Record<string, unknown>;

/** A bare file name in the cache folder: never a path that leads elsewhere. */
const cacheFile = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9_.-]+$/, 'not a file name')
  .refine((name) => name !== '.' && name !== '..', 'not a file name');

const cacheEntry = z.object({ file: cacheFile, size: count, lastUsed: z.number().finite() });

export const thumbnailIndexSchema: DocumentSchema<CacheIndex> = oneMapDocument({
  label: 'the thumbnail cache index (thumbnails.json)',
  field: 'entries',
  what: 'cached thumbnail',
  key: platformId,
  keyReason: 'not an asset id',
  value: cacheEntry,
  kept: (n) => `${plural(n, 'cached thumbnail')} (the others download again)`,
});
