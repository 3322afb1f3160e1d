/**
 * Following uploads until they settle, as `upload --wait` and `resume` do: one line per settled
 * item, a live line on a terminal, a progress line every few seconds when not on a terminal (a CI
 * log or a pipe would otherwise show nothing while a queue waits for the network), and a summary.
 */
import { AuthError } from '../core/api/errors.ts';
import type { UploaderCore } from '../core/uploader-core.ts';
import { isUploaded } from '../shared/item-state.ts';
import { FINISHED_STATES, type QueueItemView } from '../shared/queue-types.ts';
import { formatBytes, formatDuration, itemLine } from './format.ts';

export const SETTLED: readonly string[] = [...FINISHED_STATES, 'source-missing'];

/** Ctrl-C while following: what is left stays in the saved queue (exit 130, as shells expect). */
export class Interrupted extends Error {
  constructor(readonly left: number) {
    super(
      `Stopped: ${left} item${left === 1 ? '' : 's'} not finished ${left === 1 ? 'stays' : 'stay'} in the queue. Run \`tl-uploader resume\` to go on.`,
    );
  }
}

/** How often the non-terminal progress line is printed (TL_UPLOADER_PROGRESS_MS, at least 100). */
function progressEvery(): number {
  const fromEnv = Number(process.env.TL_UPLOADER_PROGRESS_MS);
  return Number.isFinite(fromEnv) && fromEnv >= 100 ? fromEnv : 5_000;
}

/** "40%  12 MB of 30 MB  2 MB/s  0:09 left  (No connection …)": what the live line says. */
function progressText(core: UploaderCore, mine: QueueItemView[]): string {
  const t = core.queue.totals();
  const pct = t.bytesTotal > 0 ? Math.floor((t.bytesDone / t.bytesTotal) * 100) : 0;
  const settled = mine.filter((i) => SETTLED.includes(i.state)).length;
  const waiting = mine.find((i) => i.state === 'waiting' && i.wait);
  const moving = t.bytesPerSecond > 0 && !t.paused;
  return (
    `${settled} of ${mine.length} done  ${pct}%  ${formatBytes(t.bytesDone)} of ${formatBytes(t.bytesTotal)}` +
    (moving ? `  ${formatBytes(t.bytesPerSecond)}/s` : '') +
    (moving && t.etaSeconds !== undefined ? `  ${formatDuration(t.etaSeconds)} left` : '') +
    (t.paused ? '  (paused)' : '') +
    (waiting?.wait ? `  (waiting: ${waiting.wait.message})` : '')
  );
}

/** Waits until every given item settled (or the whole queue is idle), printing as it goes. */
export async function follow(
  core: UploaderCore,
  ids: Set<string> | undefined,
  json: boolean,
): Promise<QueueItemView[]> {
  const tty = process.stdout.isTTY === true && !json;
  const started = Date.now();
  const mine = () => core.queue.list().filter((i) => !ids || ids.has(i.id));
  const printed = new Set<string>();
  const report = (item: QueueItemView) => {
    if (!SETTLED.includes(item.state) || printed.has(item.id)) return;
    printed.add(item.id);
    if (!json) {
      if (tty) process.stdout.write('\r\x1b[K');
      console.log(itemLine(item));
    }
  };
  const onChange = (item: QueueItemView) => {
    if (ids && !ids.has(item.id)) return;
    report(item);
    if (tty) process.stdout.write(`\r\x1b[K${progressText(core, mine())}`);
  };
  core.queue.on('item-changed', onChange);
  // Not a terminal: a plain line every few seconds (to stderr under --json, which keeps stdout JSON).
  const ticker = tty
    ? undefined
    : setInterval(() => {
        const line = `progress: ${progressText(core, mine())}`;
        if (json) console.error(line);
        else console.log(line);
      }, progressEvery());
  // Ctrl-C stops following (the queue is saved and resumes later), instead of killing the process
  // with the data folder open.
  let interrupted = false;
  const onSignal = () => (interrupted = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const item of mine()) report(item);
    // A paused item moves only when someone resumes it (the person's own pause, left by `resume`,
    // or a "pause all" saved by the app): waiting for it would never end, so it ends following.
    while (
      !mine().every((i) => SETTLED.includes(i.state) || i.state === 'paused') &&
      !core.queue.totals().blockedByAuth
    ) {
      if (interrupted) throw new Interrupted(mine().filter((i) => !SETTLED.includes(i.state)).length);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (core.queue.totals().blockedByAuth) throw new AuthError('api_key_invalid');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    core.queue.off('item-changed', onChange);
    if (ticker) clearInterval(ticker);
    if (tty) process.stdout.write('\r\x1b[K');
  }
  const items = mine();
  const held = items.filter((i) => i.state === 'paused');
  if (held.length > 0) {
    const why = core.queue.totals().paused
      ? 'all uploads are paused (in the app): `tl-uploader resume` ends that'
      : 'you paused it: resume it in the app';
    // Under --json on stderr, so that stdout stays one JSON document.
    for (const item of held) (json ? console.error : console.log)(`${item.name}: stays paused (${why})`);
  }
  if (json) console.log(JSON.stringify({ items: items.map(jsonItem) }, undefined, 2));
  else console.log(summary(items, Date.now() - started));
  return items;
}

/** "Done: 3 ready, 1 already in your library, 1 failed · 12 MB in 0:14". */
export function summary(items: QueueItemView[], elapsedMs: number): string {
  const words: Record<string, string> = {
    ready: 'ready',
    duplicate: 'already in your library',
    failed: 'failed',
    canceled: 'canceled',
    'source-missing': 'file missing',
    indexed: 'indexed',
    'index-failed': 'not indexed',
  };
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.state, (counts.get(item.state) ?? 0) + 1);
  const parts = [...counts].map(([state, count]) => `${count} ${words[state] ?? state}`);
  // A duplicate that indexed its existing asset sent no bytes.
  const bytes = items
    .filter((i) => isUploaded(i.state) && !i.duplicateOf)
    .reduce((sum, i) => sum + (i.size ?? 0), 0);
  return `Done: ${parts.join(', ') || 'nothing to upload'} · ${formatBytes(bytes)} uploaded in ${formatDuration(Math.round(elapsedMs / 1000))}`;
}

export function jsonItem(i: QueueItemView) {
  return {
    id: i.id,
    name: i.name,
    source: i.source.kind === 'file' ? i.source.path : i.source.url,
    state: i.state,
    assetId: i.assetId ?? i.duplicateOf?.assetId ?? null,
    // The content was in the library already: nothing uploaded (indexed with that asset, if asked).
    alreadyInLibrary: !!i.duplicateOf,
    error: i.error ?? null,
    size: i.size ?? null,
    // With an index chosen (issue 17): the indexed asset and its status.
    indexId: i.indexing?.indexId ?? null,
    indexedAssetId: i.indexing?.indexedAssetId ?? null,
    indexStatus: i.indexing?.status ?? null,
    // An index was chosen but the item is not indexed, and why (a document; kept without indexing).
    indexSkipped: i.indexing?.skipped ?? null,
  };
}

export const allGood = (items: QueueItemView[]) =>
  items.every((i) => i.state === 'ready' || i.state === 'duplicate' || i.state === 'indexed');
