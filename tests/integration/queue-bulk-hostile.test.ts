/**
 * Pause all and resume all called while an add is half done (an add of thousands yields between
 * batches of its items: some exist when pause all runs, the rest are made after), against the
 * emulator: every item ends paused by "pause all" and none is sent (the platform's request log),
 * so resume all takes each back. After the test the suite checks the totals against a recount and the saved document
 * against memory (queue-suite.ts).
 */
import { describe, expect, it } from 'vitest';
import { BULK_FROM } from '../../electron/core/queue/queue-bulk.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { control, dataDir, emulator, setHarness, start, useQueueSuite } from '../helpers/queue-suite.ts';

useQueueSuite();

/** More than one of the add's batches (500) and than BULK_FROM: pause all takes its bulk path. */
const COUNT = 1_200;

describe('pause all in the same tick as an add', () => {
  it('pauses what the add made before and after it, sends nothing, and resume all takes each back', async () => {
    expect(COUNT).toBeGreaterThan(BULK_FROM);
    await control.settings({ processingMs: 600_000 });
    try {
      const queue = start({ concurrency: 4 });
      await control.clearRequests();
      const adding = queue.add(
        Array.from({ length: COUNT }, (_, i) => ({
          kind: 'url' as const,
          url: `https://media.invalid/t-${i}.mp4`,
        })),
      );
      // Same tick: the add has made its first batch of items, not saved or announced them yet.
      expect(queue.totals().byState.queued ?? 0).toBeGreaterThan(BULK_FROM);
      queue.pauseAll();
      const { added } = await adding;
      expect(added).toHaveLength(COUNT);
      await queue.whenIdle();
      expect(queue.totals().byState).toEqual({ paused: COUNT });
      expect(added.every((a) => queue.get(a.id)?.state === 'paused')).toBe(true);
      expect(await control.requests('assets.create')).toHaveLength(0);

      // Each paused by "pause all" (not by hand): resume all takes every one of them back.
      const items = (queue as unknown as { doc: { data: { items: Record<string, { pausedBy?: string }> } } })
        .doc.data.items;
      expect(Object.values(items).every((item) => item.pausedBy === 'all')).toBe(true);
      queue.resumeAll();
      expect(queue.totals().byState.paused ?? 0).toBe(0);
      queue.pauseAll(); // nothing more is sent while the test ends
    } finally {
      await control.settings({ processingMs: 30 });
    }
  }, 60_000);
});

describe('pause all, then a quit at once', () => {
  it('saves the pause as it ended: items resumed by hand meanwhile stay resumed after the restart', async () => {
    const { queue, close } = makeQueue(emulator.url, dataDir); // not started: nothing is sent
    const { added } = await queue.add(
      Array.from({ length: BULK_FROM + 50 }, (_, i) => ({
        kind: 'url' as const,
        url: `https://media.invalid/q-${i}.mp4`,
      })),
    );
    queue.pauseAll();
    for (const item of added.slice(0, 3)) queue.resume(item.id);
    // Quit in the same tick: the pause's own lines are still being written.
    await close();
    const again = setHarness(makeQueue(emulator.url, dataDir)).queue;
    expect(again.totals().byState).toEqual({ queued: 3, paused: BULK_FROM + 47 });
    expect(added.slice(0, 3).map((a) => again.get(a.id)?.state)).toEqual(['queued', 'queued', 'queued']);
  });
});
