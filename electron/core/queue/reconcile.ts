import type { UndiciTwelveLabsClient } from '../api/client.ts';
import type { IncompleteUpload } from '../api/wire.ts';

/** Clocks of the app and the platform differ: look a little before the attempt began. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The assets a create request may have made before we could save its id (a crash or a lost
 * answer): same filename, created since the attempt began, size equal when the platform knows it.
 * Oldest first: the caller takes the first one no other item claims (even a failed one: following
 * it then tells the person why, instead of uploading again).
 */
export async function findOrphanAssets(
  client: UndiciTwelveLabsClient,
  query: { name: string; since: number; size?: number; signal?: AbortSignal },
): Promise<string[]> {
  const candidates: Array<{ id: string; createdAt: number }> = [];
  for await (const asset of client.listAssets({ filename: query.name }, { signal: query.signal })) {
    const createdAt = asset.createdAt ? Date.parse(asset.createdAt) : NaN;
    // Newest first: once assets are older than the attempt, none further can match.
    if (Number.isFinite(createdAt) && createdAt < query.since - CLOCK_SKEW_MS) break;
    // The filter is a substring match: the name must be the same.
    if (asset.filename !== query.name) continue;
    if (asset.size !== undefined && query.size !== undefined && asset.size !== query.size) continue;
    candidates.push({ id: asset.id, createdAt });
  }
  candidates.sort((a, b) => a.createdAt - b.createdAt);
  return candidates.map((c) => c.id);
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
      (!u.createdAt || Date.parse(u.createdAt) >= query.since - CLOCK_SKEW_MS),
  );
}
