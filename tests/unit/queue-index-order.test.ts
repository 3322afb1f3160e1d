import { describe, expect, it } from 'vitest';
import type { ItemRecord } from '../../electron/core/queue/item-record.ts';
import { QueueIndex } from '../../electron/core/queue/queue-index.ts';

const item = (id: string, order: number, state: ItemRecord['state'] = 'queued') =>
  ({ id, order, state, size: 10 }) as ItemRecord;

/**
 * The queue order keeps each item's order in the tally's entry (one map entry per item, not one in
 * each of two maps): removals, returns and moves must still list every item once, in order.
 */
describe('QueueIndex order and totals share their entries', () => {
  it('lists each item once, in order, through removals, returns and a move to the top', () => {
    const index = new QueueIndex();
    const [a, b, c, d] = [item('a', 1), item('b', 2), item('c', 3), item('d', 4)];
    for (const x of [a, b, c, d]) index.update(x, true);
    expect(index.order.ids()).toEqual(['a', 'b', 'c', 'd']);

    index.remove(b);
    expect(index.order.ids()).toEqual(['a', 'c', 'd']);
    expect(index.order.size).toBe(3);
    expect(index.tally.count('queued')).toBe(3);

    // Removed and back before any read: still listed once.
    index.remove(a);
    index.update(a, true);
    expect(index.order.ids()).toEqual(['a', 'c', 'd']);

    d.order = 0; // move to top
    index.update(d, true);
    expect(index.order.ids()).toEqual(['d', 'a', 'c']);
    expect(index.page({ a, b, c, d }, 'all', 1, 2).items.map((x) => x.id)).toEqual(['a', 'c']);
  });

  it('counts an item only the tally saw without placing it in the order, and forgets a removed one', () => {
    const index = new QueueIndex();
    const a = item('a', 1);
    index.update(a, true);
    // A bulk state change reaches the tally only; an item it never saw gets no place in the order.
    index.stateChanged(item('x', 5, 'paused'));
    expect(index.order.size).toBe(1);
    expect(index.order.ids()).toEqual(['a']);
    expect(index.tally.count('paused')).toBe(1);

    // A removed item's late change (its transfer unwinding) comes back neither in totals nor order.
    index.remove(a);
    a.state = 'failed';
    index.update(a, false);
    expect(index.order.ids()).toEqual([]);
    expect(index.tally.count('failed')).toBe(0);
    expect(index.tally.bytesTotal).toBe(10); // x's alone
  });
});
