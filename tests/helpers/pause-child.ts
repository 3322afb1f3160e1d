/**
 * A queue of N items that pauses all and is SIGKILLed before the paused items are saved: the
 * crash window of a bulk "pause all" (queue-bulk.ts), placed on purpose instead of hoped for.
 * argv: baseUrl dataDir count. The queue is never started (nothing uploads here): its N queued
 * items are saved whole first; then every later whole save stalls (a slow disk), pause all runs,
 * and the process kills itself once the pause's journal lines are appended (on disk for a
 * process kill: the page cache outlives it).
 */
import type { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { makeQueue } from './queue-harness.ts';

const [baseUrl, dataDir, count] = process.argv.slice(2) as [string, string, string];
const n = Number(count);
const { queue } = makeQueue(baseUrl, dataDir);
for (let from = 0; from < n; from += 5_000)
  await queue.add(
    Array.from({ length: Math.min(5_000, n - from) }, (_, i) => ({
      kind: 'url' as const,
      url: `http://127.0.0.1:9/clip-${from + i}.mp4`,
    })),
  );
const doc = (queue as unknown as { doc: PersistedDocument<Record<string, unknown>> }).doc;
const store = (doc as unknown as { store: { save: (data: unknown) => Promise<void> } }).store;
await doc.commit();
store.save = () => new Promise<void>(() => undefined);
const appended = doc.appends;
queue.pauseAll();
while (doc.appends === appended) await new Promise((r) => setTimeout(r, 1));
console.log('paused');
process.kill(process.pid, 'SIGKILL');
