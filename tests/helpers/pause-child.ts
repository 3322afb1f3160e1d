/**
 * A queue of N items that pauses all and is SIGKILLed before the paused items are saved: the
 * crash window of a bulk "pause all" (queue-bulk.ts), placed on purpose instead of hoped for.
 * argv: baseUrl dataDir count [whole-due]. The queue is never started (nothing uploads here): its
 * N queued items are saved whole first; then every later whole save stalls (a slow disk), pause
 * all runs, and the process kills itself once the pause's journal lines are appended (on disk for
 * a process kill: the page cache outlives it). With `whole-due`, a whole save is due when pause
 * all comes (as after a start or a bulk action): the lines must not wait for it. Exits 1 if no
 * line is appended within 15 s.
 */
import type { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { makeQueue } from './queue-harness.ts';

const [baseUrl, dataDir, count, mode] = process.argv.slice(2) as [string, string, string, string?];
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
if (mode === 'whole-due') doc.changed();
const appended = doc.appends;
setTimeout(() => {
  console.log('no journal line was appended');
  process.exit(1);
}, 15_000).unref();
queue.pauseAll();
while (doc.appends === appended) await new Promise((r) => setTimeout(r, 1));
console.log('paused');
process.kill(process.pid, 'SIGKILL');
