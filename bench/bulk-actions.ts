/**
 * Pause all, resume all and clear finished in the core alone (issue 18), on a queue of `n` items
 * in a real data folder: the part of the UI bench's rows that is the core's, without serve mode,
 * the WebSocket or the page. Ratio: the 100 ms a person reads as instant.
 */
import { join } from 'node:path';
import { makeQueue } from '../tests/helpers/queue-harness.ts';

const n = (x: number) => x.toLocaleString('en-US');

export async function bulkActionRows(dir: string, items: number): Promise<string[][]> {
  const canceled = Math.floor(items / 5);
  // Never started and never reached: nothing uploads, only the queue's own work is timed.
  const h = makeQueue('http://127.0.0.1:9/v1.3', join(dir, 'bulk-actions'));
  try {
    h.queue.pauseAll();
    for (let from = 0; from < items; from += 10_000)
      await h.queue.add(
        Array.from({ length: Math.min(10_000, items - from) }, (_, i) => ({
          kind: 'url' as const,
          url: `https://media.invalid/clip-${from + i}.mp4`,
        })),
      );
    for (const item of h.queue.page('all', 0, canceled).items) h.queue.cancel(item.id);
    h.queue.resumeAll();
    const rows: string[][] = [];
    const doc = (h.queue as unknown as { doc: { commitChanges(): Promise<void> } }).doc;
    const timed = async (label: string, action: () => void) => {
      // What came before is saved first (a bulk pause saves whole once its flag is saved): each
      // action is timed on a quiet queue.
      await doc.commitChanges();
      await new Promise((r) => setImmediate(r));
      await doc.commitChanges();
      const since = performance.now();
      const cpuBefore = process.cpuUsage();
      action();
      const ms = performance.now() - since;
      // This process's CPU time as well: on a loaded machine the wall time is mostly waiting.
      const cpu = process.cpuUsage(cpuBefore);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      rows.push([label, `${ms.toFixed(0)} ms (CPU ${cpuMs.toFixed(0)} ms)`, (ms / 100).toFixed(2)]);
    };
    await timed(`core: pause all (${n(items - canceled)} pending)`, () => h.queue.pauseAll());
    await timed(`core: resume all (${n(items - canceled)} paused)`, () => h.queue.resumeAll());
    await timed(`core: clear finished (${n(canceled)} canceled)`, () => {
      if (h.queue.removeFinished(['canceled']) !== canceled) throw new Error('clear finished missed items');
    });
    return rows;
  } finally {
    await h.close();
  }
}
