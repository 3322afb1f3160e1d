/**
 * The emulator's saved state (`state.json`) checked when it is loaded: the Sandbox in the app runs
 * on it, so `null`, a cut file or a wrong-shape entry must not stop the app from starting. What
 * cannot be read is dropped (entry by entry, the rest kept) and said in words for a person.
 */
import { z } from 'zod';

const text = z.string().min(1);
const when = z.string();
const count = z.number().int().nonnegative();

/** Only the fields the emulator's routes rely on are checked; the others are kept as they are. */
const asset = z.looseObject({
  id: text,
  method: z.enum(['direct', 'url', 'multipart']),
  status: z.enum(['processing', 'ready', 'failed']),
  filename: z.string(),
  createdAt: when,
  seq: count,
  // Older saves may lack these: off, as the API's defaults.
  enableHls: z.boolean().default(false),
  enableThumbnail: z.boolean().default(false),
  blobPath: z.string().optional(),
  sourceUrl: z.string().optional(),
  size: count.optional(),
  userMetadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
const index = z.looseObject({
  id: text,
  name: z.string(),
  models: z.array(z.looseObject({ model_name: z.string(), model_options: z.array(z.string()) })),
  createdAt: when,
});
const indexedAsset = z.looseObject({ id: text, indexId: text, assetId: text, createdAt: when });
const session = z.looseObject({
  id: text,
  assetId: text,
  filename: z.string(),
  type: z.string(),
  totalSize: count,
  chunkSize: count,
  totalChunks: count,
  createdAt: when,
  updatedAt: when,
  expiresAt: when,
  status: z.enum(['active', 'completed', 'failed', 'expired']),
  chunks: z.record(z.string(), z.looseObject({ etag: z.string(), size: count, uploadedAt: when })),
});
const presignedUrl = z.looseObject({
  token: text,
  uploadId: text,
  chunkIndex: count,
  expiresAt: when,
  used: z.boolean(),
});

const LISTS = {
  assets: { schema: asset, words: 'assets' },
  indexes: { schema: index, words: 'indexes' },
  indexedAssets: { schema: indexedAsset, words: 'indexed assets' },
  sessions: { schema: session, words: 'upload sessions' },
  presignedUrls: { schema: presignedUrl, words: 'chunk upload links' },
} as const;

type ListName = keyof typeof LISTS;
export type CheckedSnapshot = { seq: number } & {
  [K in ListName]: Array<z.infer<(typeof LISTS)[K]['schema']>>;
};

/**
 * A snapshot the emulator can run on, from whatever JSON `state.json` held, and what was wrong
 * with it (empty when sound). Never throws.
 */
export function checkSnapshot(raw: unknown): { snapshot: CheckedSnapshot; problems: string[] } {
  const problems: string[] = [];
  const snapshot = { seq: 0 } as CheckedSnapshot;
  const found = raw !== null && typeof raw === 'object' && !Array.isArray(raw);
  if (!found)
    problems.push(`it held ${raw === null ? '`null`' : Array.isArray(raw) ? 'a list' : `a ${typeof raw}`}`);
  const doc = (found ? raw : {}) as Record<string, unknown>;
  for (const name of Object.keys(LISTS) as ListName[]) {
    const list = doc[name];
    const { schema, words } = LISTS[name];
    if (list === undefined || !found) {
      snapshot[name] = [];
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push(`its ${words} were not a list, and were dropped`);
      snapshot[name] = [];
      continue;
    }
    const kept = list.flatMap((entry) => {
      const parsed = schema.safeParse(entry);
      return parsed.success ? [parsed.data] : [];
    });
    if (kept.length < list.length)
      problems.push(
        `${list.length - kept.length} of its ${list.length} ${words} were unreadable, and were dropped`,
      );
    (snapshot as Record<string, unknown>)[name] = kept;
  }
  // The sequence orders "newest first": never behind an asset it already numbered.
  const highest = Math.max(0, ...snapshot.assets.map((a) => a.seq));
  const seq = doc.seq;
  if (found && seq !== undefined && !(Number.isInteger(seq) && (seq as number) >= 0))
    problems.push('its sequence number was not a number, and was recomputed');
  snapshot.seq = Math.max(highest, Number.isInteger(seq) && (seq as number) >= 0 ? (seq as number) : 0);
  return { snapshot, problems };
}
