import type { UndiciTwelveLabsClient } from '../api/client.ts';

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
