/**
 * Issue 18: `uploads:list` pages the queue (offset/limit, a filter) in queue order, with the
 * filter's count from the per-state counters; the order survives moves, removals and a restart;
 * the contract refuses a page larger than its maximum.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { QueueTally } from '../../electron/core/queue/queue-tally.ts';
import type { ItemRecord } from '../../electron/core/queue/item-record.ts';
import { parseRequest } from '../../electron/shared/contract.ts';
import { filterCounts } from '../../electron/shared/queue-page.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const COUNT = 2_500;
const name = (i: number) => `take-${String(i).padStart(5, '0')}.mp4`;

describe('uploads:list pages', () => {
  let emulator: RunningEmulator;
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeAll(async () => {
    emulator = await startEmulator({ apiKey: 'test-key' });
    temp = await makeTempDir('tl-pages-');
  });
  afterAll(async () => {
    await emulator.close();
    await temp.cleanup();
  });

  it('pages in queue order, filters by group with counts, and keeps the order across moves, removals and a restart', async () => {
    // Never started: every item stays queued, so the pages are about order alone.
    let h = makeQueue(emulator.url, temp.dir);
    await h.queue.add(
      Array.from({ length: COUNT }, (_, i) => ({
        kind: 'url' as const,
        url: `https://media.invalid/${name(i)}`,
      })),
    );
    const first = h.queue.page('all', 0, 100);
    expect(first.total).toBe(COUNT);
    expect(first.items.map((i) => i.name)).toEqual(Array.from({ length: 100 }, (_, i) => name(i)));
    const tail = h.queue.page('all', COUNT - 30, 100);
    expect(tail.items.map((i) => i.name)).toEqual(Array.from({ length: 30 }, (_, i) => name(COUNT - 30 + i)));
    expect(tail.offset).toBe(COUNT - 30);

    // Move to top: first of the first page, everything else one further.
    const moved = h.queue.page('all', 2_000, 1).items[0]!;
    h.queue.moveToTop(moved.id);
    expect(h.queue.page('all', 0, 3).items.map((i) => i.name)).toEqual([name(2_000), name(0), name(1)]);
    expect(h.queue.page('all', 2_000, 2).items.map((i) => i.name)).toEqual([name(1_999), name(2_001)]);

    // Cancel every 10th: "done" pages them in queue order, "active" the rest; counts agree.
    const all = h.queue.list();
    const canceled = all.filter((_, i) => i % 10 === 0);
    for (const item of canceled) h.queue.cancel(item.id);
    const done = h.queue.page('done', 0, 1000);
    expect(done.total).toBe(canceled.length);
    expect(done.items.map((i) => i.id)).toEqual(canceled.map((i) => i.id));
    const active = h.queue.page('active', 50, 20);
    const activeAll = all.filter((_, i) => i % 10 !== 0);
    expect(active.total).toBe(activeAll.length);
    expect(active.items.map((i) => i.id)).toEqual(activeAll.slice(50, 70).map((i) => i.id));
    expect(filterCounts(active.totals.byState)).toMatchObject({
      all: COUNT,
      done: canceled.length,
      active: activeAll.length,
      attention: 0,
    });

    // Clear finished: the pages close up, the counts follow.
    expect(h.queue.removeFinished(['canceled'])).toBe(canceled.length);
    const after = h.queue.page('all', 0, 1000);
    expect(after.total).toBe(activeAll.length);
    expect(after.items.map((i) => i.id)).toEqual(activeAll.slice(0, 1000).map((i) => i.id));
    expect(h.queue.page('done', 0, 10)).toMatchObject({ items: [], total: 0 });

    // A restart loads the items in whatever order the file holds them: pages are still in queue order.
    await h.close();
    h = makeQueue(emulator.url, temp.dir);
    expect(h.queue.page('all', 0, 1000).items.map((i) => i.id)).toEqual(
      activeAll.slice(0, 1000).map((i) => i.id),
    );
    expect(h.queue.list().map((i) => i.id)).toEqual(activeAll.map((i) => i.id));
    await h.close();
  });

  it('the contract refuses a page larger than its maximum, and takes a filter by name', () => {
    expect(() => parseRequest('uploads:list', { limit: 100_000 })).toThrow(/limit/);
    expect(() => parseRequest('uploads:list', { filter: 'everything' })).toThrow(/filter/);
    expect(parseRequest('uploads:list', { filter: 'attention', offset: 10, limit: 50 })).toEqual({
      filter: 'attention',
      offset: 10,
      limit: 50,
    });
  });

  it('counts what "Retry all" would retry, item by item, without a walk', () => {
    const tally = new QueueTally();
    const item = (id: string, state: ItemRecord['state'], retryable?: boolean) =>
      ({ id, state, retryable, order: 0 }) as ItemRecord;
    tally.update(item('a', 'failed'));
    tally.update(item('b', 'failed', false)); // the file itself is refused: no retry helps
    tally.update(item('c', 'source-missing'));
    expect(tally.retryable).toBe(2);
    tally.update(item('a', 'queued'));
    tally.remove('c');
    expect(tally.retryable).toBe(0);
    expect(tally.states()).toEqual({ failed: 1, queued: 1 });
  });
});
