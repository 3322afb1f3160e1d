import { filterCounts, type UploadFilter } from '../../shared/queue-page.ts';
import { retryAllTakes } from '../../shared/item-state.ts';
import type { ItemState, QueueTotals } from '../../shared/queue-types.ts';
import type { ItemRecord } from './item-record.ts';
import type { OrderSlots } from './queue-order.ts';

/** States in which the platform has all of an item's bytes. */
const BYTES_DELIVERED: readonly ItemState[] = [
  'ready',
  'processing',
  'duplicate',
  'indexing',
  'indexed',
  'index-failed',
];
/** States whose bytes do not count towards the total (nothing will be sent). */
const BYTES_DROPPED: readonly ItemState[] = ['canceled', 'failed'];

/**
 * The queue's totals by state and by bytes, kept up to date item by item (`update` after a change
 * of state or size, `remove`) instead of recomputed over every item: with 100,000 items a full
 * count took 40 ms, several times a second.
 */
export class QueueTally {
  private readonly counted = new Map<string, Counted>();
  private readonly byState: QueueTotals['byState'] = {};
  /** Bytes of every item that is or will be sent. */
  bytesTotal = 0;
  /** Bytes of the items the platform has whole. */
  bytesDelivered = 0;
  /** Items that "Retry all" would try again (failed but not refused as such, or file missing). */
  retryable = 0;
  /** The items' queue order, kept in these same entries (queue-order.ts reads and writes it). */
  readonly orders: OrderSlots = new CountedOrders(this.counted);

  update(item: ItemRecord): void {
    const size = item.size ?? 0;
    const retryable = retryAllTakes(item);
    let entry = this.counted.get(item.id);
    if (entry) entry.item = item;
    if (entry?.state === item.state && entry.size === size && entry.retryable === retryable) return;
    // Changed in place: one object per item, not one per change (garbage, at 100,000 items).
    if (entry) this.apply(entry, -1);
    else this.counted.set(item.id, (entry = { item, state: item.state, size, retryable, order: NaN }));
    entry.state = item.state;
    entry.size = size;
    entry.retryable = retryable;
    this.apply(entry, 1);
  }

  /** After `orders.delete(id)` (the order must hear of it first: it keeps the id until then). */
  remove(id: string): void {
    const entry = this.counted.get(id);
    if (!entry) return;
    this.counted.delete(id);
    this.apply(entry, -1);
  }

  /**
   * The items in a state `which` takes, in the order they were first counted (the order they were
   * added), found from the tally: neither Object.values over 100,000 items (a dictionary's values
   * are sorted first: 60 ms) nor a lookup by id for each (another 20 ms).
   */
  itemsWhere(which: (state: ItemState) => boolean): ItemRecord[] {
    const items: ItemRecord[] = [];
    for (const entry of this.counted.values()) if (which(entry.state)) items.push(entry.item);
    return items;
  }

  count(state: ItemState): number {
    return this.byState[state] ?? 0;
  }

  /** Items shown under a filter of the Uploads view. */
  inFilter(filter: UploadFilter): number {
    return filterCounts(this.byState)[filter];
  }

  states(): QueueTotals['byState'] {
    const copy: QueueTotals['byState'] = {};
    for (const [state, n] of Object.entries(this.byState) as Array<[ItemState, number]>)
      if (n > 0) copy[state] = n;
    return copy;
  }

  /**
   * The totals a front end shows: these counts, the bytes `sent` so far by transfers in flight,
   * the speed and what the queue adds (its pause, a refused key).
   */
  totals(
    sent: number,
    bytesPerSecond: number,
    queue: Pick<QueueTotals, 'paused' | 'pausedUntil' | 'blockedByAuth'>,
  ): QueueTotals {
    const bytesDone = this.bytesDelivered + sent;
    const left = this.bytesTotal - bytesDone;
    return {
      byState: this.states(),
      bytesDone,
      bytesTotal: this.bytesTotal,
      bytesPerSecond,
      ...(bytesPerSecond > 0 && left > 0 && { etaSeconds: Math.round(left / bytesPerSecond) }),
      ...queue,
      retryable: this.retryable,
    };
  }

  /** Whether the bytes of an item in this state are still to be sent (so its progress counts). */
  static sending(state: ItemState): boolean {
    return !BYTES_DELIVERED.includes(state) && !BYTES_DROPPED.includes(state);
  }

  private apply(entry: Counted, sign: 1 | -1): void {
    this.byState[entry.state] = (this.byState[entry.state] ?? 0) + sign;
    if (entry.retryable) this.retryable += sign;
    if (BYTES_DROPPED.includes(entry.state) || !entry.size) return;
    this.bytesTotal += sign * entry.size;
    if (BYTES_DELIVERED.includes(entry.state)) this.bytesDelivered += sign * entry.size;
  }
}

interface Counted {
  /** The record last counted (records change in place; a replaced one is counted again). */
  item: ItemRecord;
  state: ItemState;
  size: number;
  retryable: boolean;
  /** Its place in the queue order; NaN until the order notes it (and after it forgets it). */
  order: number;
}

/** The order slots of the counted entries: an item has one once the tally counts it. */
class CountedOrders implements OrderSlots {
  private placed = 0;

  constructor(private readonly counted: Map<string, Counted>) {}

  get size(): number {
    return this.placed;
  }

  get(id: string): number | undefined {
    const order = this.counted.get(id)?.order;
    return order === undefined || Number.isNaN(order) ? undefined : order;
  }

  set(id: string, order: number): void {
    const entry = this.counted.get(id);
    if (!entry) throw new Error(`The queue order noted item ${id} before its totals counted it.`);
    if (Number.isNaN(entry.order)) this.placed++;
    entry.order = order;
  }

  delete(id: string): boolean {
    const entry = this.counted.get(id);
    if (!entry || Number.isNaN(entry.order)) return false;
    entry.order = NaN;
    this.placed--;
    return true;
  }

  *keys(): Iterable<string> {
    for (const [id, entry] of this.counted) if (!Number.isNaN(entry.order)) yield id;
  }
}
