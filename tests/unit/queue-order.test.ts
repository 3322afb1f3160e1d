import { describe, expect, it } from 'vitest';
import { QueueOrder } from '../../electron/core/queue/queue-order.ts';
import type { ItemRecord } from '../../electron/core/queue/item-record.ts';

const item = (id: string, order: number) => ({ id, order }) as ItemRecord;

describe('QueueOrder', () => {
  it('lists an item once when it is forgotten and comes back before the next read', () => {
    const order = new QueueOrder();
    order.note(item('a', 1));
    order.note(item('b', 2));
    expect(order.ids()).toEqual(['a', 'b']);
    // Removed, then back (the same id) with no read in between: the stale entry is still there.
    order.forget('a');
    order.note(item('a', 1));
    expect(order.ids()).toEqual(['a', 'b']);
    order.forget('b');
    order.note(item('b', 3));
    order.note(item('c', 4));
    expect(order.ids()).toEqual(['a', 'b', 'c']);
    expect(order.size).toBe(3);
  });

  it('sweeps what was forgotten, keeps order, and moves an item to the top', () => {
    const order = new QueueOrder();
    for (let i = 0; i < 5; i++) order.note(item(`i${i}`, i + 10));
    order.forget('i2');
    expect(order.ids()).toEqual(['i0', 'i1', 'i3', 'i4']);
    order.note(item('i4', 0));
    expect(order.ids()).toEqual(['i4', 'i0', 'i1', 'i3']);
  });
});
