import type { ItemRecord } from './item-record.ts';

/**
 * The queue's items in queue order (lowest `order` first), kept as items come and go instead of
 * sorted on every read: `uploads:list` pages through it (offset/limit), and "move to top" asks
 * for the lowest order without walking every item.
 *
 * New items almost always come last (their order is the time they were added), so they are
 * appended; a removal only counts a stale entry, swept once at the next read (one filter, no
 * sort); anything else out of order (a restart's load, a clock set back) marks the list for one
 * sort at the next read.
 */
export class QueueOrder {
  private sorted: string[] = [];
  private unsorted = false;
  /** Ids forgotten but still in `sorted` until the next read sweeps them. */
  private readonly stale = new Set<string>();
  /** The highest order appended so far: a new item below it is out of order. */
  private highest = -Infinity;
  /** At or below every order in the queue (a bound: it stays low when the lowest item leaves). */
  lowest = Infinity;

  /**
   * `orders`: where each item's order is kept; the queue's index passes the tally's entries
   * (queue-tally.ts), so 100,000 items make one map entry each, not one in each of two maps.
   */
  constructor(private readonly orders: OrderSlots = new Map<string, number>()) {}

  /**
   * The order of an item added now: its time, or just after the last one when several come within
   * a millisecond (a power-of-two step, exact in a double at today's epoch milliseconds).
   */
  next(now: number): number {
    return Math.max(now, this.highest + 1 / 1024);
  }

  /** After an item is added or its order changed. */
  note(item: ItemRecord): void {
    const before = this.orders.get(item.id);
    if (before === item.order) return;
    this.orders.set(item.id, item.order);
    if (item.order < this.lowest) this.lowest = item.order;
    if (before !== undefined) {
      this.moved(item);
      return;
    }
    if (this.stale.delete(item.id)) {
      // Forgotten, then back before the sweep (a removed item that comes back): its old entry is
      // still in `sorted`, so appending would list it twice. One rebuild at the next read instead.
      this.unsorted = true;
      return;
    }
    if (item.order < this.highest) this.unsorted = true;
    else this.highest = item.order;
    this.sorted.push(item.id);
  }

  forget(id: string): void {
    if (this.orders.delete(id)) this.stale.add(id);
  }

  get size(): number {
    return this.orders.size;
  }

  /** The ids in queue order (the live array: read it, never keep it past the next change). */
  ids(): readonly string[] {
    if (this.unsorted) {
      // Each order read once, not twice per comparison (a restart's 100,000 items: ~1.7 million).
      const keyed: Array<{ id: string; order: number }> = [];
      for (const id of this.orders.keys()) keyed.push({ id, order: this.orders.get(id)! });
      keyed.sort((a, b) => a.order - b.order);
      this.sorted = keyed.map((k) => k.id);
      this.unsorted = false;
      this.stale.clear();
    } else if (this.stale.size > 0) {
      this.sorted = this.sorted.filter((id) => !this.stale.has(id));
      this.stale.clear();
    }
    return this.sorted;
  }

  /** "Move to top" puts an item before the first: one splice, not a sort. */
  private moved(item: ItemRecord): void {
    if (this.unsorted || this.stale.size > 0) {
      this.unsorted = true;
      return;
    }
    const at = this.sorted.indexOf(item.id);
    const first = this.sorted[0];
    if (at >= 0 && first !== undefined && item.order <= this.orders.get(first)!) {
      this.sorted.splice(at, 1);
      this.sorted.unshift(item.id);
    } else this.unsorted = true;
  }
}

/** Each noted item's order by id (a Map of them, or the tally's entries). */
export interface OrderSlots {
  get(id: string): number | undefined;
  set(id: string, order: number): unknown;
  /** False when the id had no order. */
  delete(id: string): boolean;
  keys(): Iterable<string>;
  readonly size: number;
}
