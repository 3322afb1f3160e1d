/**
 * A queue of N items that pauses all and is SIGKILLed `delayMs` after, wherever its writes are
 * then (the pause's journal lines, the wait before the whole save, the whole save itself, after
 * it): queue-bulk-crash.test.ts picks the delays at random. argv: baseUrl dataDir count delayMs.
 * The queue is never started (nothing uploads). A data folder that already holds the items (an
 * earlier round) is reused: what an earlier pause paused is resumed first, and saved whole, so
 * each round pauses N queued items. Prints `paused` once pause all has returned.
 */
import type { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { makeQueue } from './queue-harness.ts';

const [baseUrl, dataDir, count, delay] = process.argv.slice(2) as [string, string, string, string];
const n = Number(count);
const { queue } = makeQueue(baseUrl, dataDir);
const held = queue.totals().byState;
if ((held.paused ?? 0) > 0) queue.resumeAll();
for (let from = Object.values(held).reduce((a, b) => a + b, 0); from < n; from += 5_000)
  await queue.add(
    Array.from({ length: Math.min(5_000, n - from) }, (_, i) => ({
      kind: 'url' as const,
      url: `http://127.0.0.1:9/clip-${from + i}.mp4`,
    })),
  );
const doc = (queue as unknown as { doc: PersistedDocument<Record<string, unknown>> }).doc;
await doc.commit();
queue.pauseAll();
console.log('paused');
setTimeout(() => process.kill(process.pid, 'SIGKILL'), Number(delay));
