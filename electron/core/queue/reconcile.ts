import type { UndiciTwelveLabsClient } from '../api/client.ts';
import type { IncompleteUpload } from '../api/wire.ts';

/** Clocks of the app and the platform differ: look a little before the attempt began. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Finds the asset a create request made before we could save its id (a crash or a lost answer):
 * same filename, created since the attempt began, size equal when the platform knows it, and
 * not already claimed by another item. The oldest such asset wins (even a failed one: following it
 * then tells the person why, instead of uploading again).
 */
export async function findOrphanAsset(
  client: UndiciTwelveLabsClient,
  query: {
    name: string;
    since: number;
    size?: number;
    isClaimed: (assetId: string) => boolean;
    signal?: AbortSignal;
  },
): Promise<string | undefined> {
  const candidates: Array<{ id: string; createdAt: number }> = [];
  for await (const asset of client.listAssets({ filename: query.name }, { signal: query.signal })) {
    const createdAt = asset.createdAt ? Date.parse(asset.createdAt) : NaN;
    // Newest first: once assets are older than the attempt, none further can match.
    if (Number.isFinite(createdAt) && createdAt < query.since - CLOCK_SKEW_MS) break;
    if (asset.filename !== query.name || query.isClaimed(asset.id)) continue;
    if (asset.size !== undefined && query.size !== undefined && asset.size !== query.size) continue;
    candidates.push({ id: asset.id, createdAt });
  }
  candidates.sort((a, b) => a.createdAt - b.createdAt);
  return candidates[0]?.id;
}

/**
 * Finds the multipart session a create request made before we could save it (a crash while the
 * answer was on its way): active, the same total size, created since the attempt began, held by no
 * other item. The listing names no file, so only a single candidate is taken: adopting the wrong
 * session would put these bytes under another file's name; without one, a new session is made
 * (the orphan expires after 24 h).
 */
export async function findOrphanSession(
  client: UndiciTwelveLabsClient,
  query: { size: number; since: number; isClaimed: (uploadId: string) => boolean; signal?: AbortSignal },
): Promise<IncompleteUpload | undefined> {
  const candidates = (await client.listIncompleteUploads(query.signal)).filter(
    (u) =>
      u.status === 'active' &&
      u.totalSize === query.size &&
      !query.isClaimed(u.uploadId) &&
      (!u.createdAt || Date.parse(u.createdAt) >= query.since - CLOCK_SKEW_MS),
  );
  return candidates.length === 1 ? candidates[0] : undefined;
}
