/**
 * Pause all over 20,000 items, the process SIGKILLed at random moments after it (the pause's
 * journal lines, the wait before the whole save, the whole save itself, after it): at every
 * restart nothing is lost, the pause is either whole or not there at all (never half the items),
 * and the totals equal a recount; a restart that finds it paused starts nothing (by the
 * emulator's request log). The delays are drawn at random and printed, so a failure replays.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { control, dataDir, emulator, start, useQueueSuite } from '../helpers/queue-suite.ts';

useQueueSuite();

const N = 20_000;

async function pauseAndKill(delayMs: number): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'tests/helpers/pause-kill-child.ts',
      emulator.url,
      dataDir,
      String(N),
      String(delayMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  expect(out).toContain('paused');
  expect(signal).toBe('SIGKILL');
}

describe('pause all over 20,000 items, killed at random moments', () => {
  it('never leaves half a pause, loses nothing, and a paused restart starts nothing', async () => {
    // From the pause's first lines to well after its whole save (about a second at 20,000 items),
    // the first kill within the first lines' write. KILLS=n runs more rounds (a local hunt).
    const rounds = Number(process.env.KILLS ?? 3);
    const delays = Array.from({ length: rounds }, (_, i) =>
      Math.floor(Math.random() * (i === 0 ? 30 : 1_500)),
    );
    console.log(`pause-all kill delays (ms): ${delays.join(', ')}`);
    for (const delay of delays) {
      await pauseAndKill(delay);
      const saved = new ConfDocumentStore(dataDir, 'queue').load().data as {
        paused?: boolean;
        pausing?: boolean;
        items: Record<string, { state: string; pausedBy?: string }>;
      };
      const items = Object.values(saved.items);
      expect(items, `after ${delay} ms`).toHaveLength(N);
      const paused = items.filter((i) => i.state === 'paused').length;
      // Either the pause is on disk (whole, or its mark says the start finishes it) or not at all.
      if (!saved.paused) expect(paused, `after ${delay} ms`).toBe(0);
      else if (!saved.pausing) expect(paused, `after ${delay} ms`).toBe(N);
      // The restart (not started: nothing may upload) holds what was saved, the pause finished.
      const { queue, close } = makeQueue(emulator.url, dataDir);
      const byState: Record<string, number> = {};
      for (const item of queue.list()) byState[item.state] = (byState[item.state] ?? 0) + 1;
      expect(queue.totals().byState).toEqual(byState);
      expect(byState, `after ${delay} ms`).toEqual(saved.paused ? { paused: N } : { queued: N });
      await close();
    }
    // The last round's pause, if on disk, holds when the queue runs.
    const last = new ConfDocumentStore(dataDir, 'queue').load().data as { paused?: boolean };
    if (!last.paused) return;
    await control.clearRequests();
    const queue = start();
    await queue.whenIdle();
    expect(queue.totals().byState).toEqual({ paused: N });
    expect(await control.requests('assets.create')).toHaveLength(0);
  }, 60_000);
});
