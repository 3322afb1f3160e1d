import { inFilter, type UploadFilter } from '../../shared/queue-page.ts';
import type { ItemRecord } from './item-record.ts';
import { QueueOrder } from './queue-order.ts';
import { QueueTally } from './queue-tally.ts';

/** States whose item no longer stands for its content: a later copy of it is not a duplicate. */
const GAVE_UP: readonly string[] = ['failed', 'canceled', 'duplicate'];

/**
 * What the queue looks up often, kept item by item instead of found by walking every item: with
 * 100,000 items, each walk took tens of milliseconds, several times a second.
 * - the items waiting to start (the scheduler's candidates),
 * - totals by state and bytes (queue-tally.ts),
 * - items by content hash (the duplicate check),
 * - the items in queue order (queue-order.ts: the pages of `uploads:list`, "move to top").
 * `update` after any change of an item's state, size or hash; `remove` when it leaves the queue.
 */
export class QueueIndex {
  readonly tally = new QueueTally();
  readonly order = new QueueOrder(this.tally.orders);
  private readonly startable = new Set<string>();
  private readonly bySha256 = new Map<string, Set<string>>();

  /** `inQueue`: the item is (still) one of the queue's; a removed item is never startable. */
  update(item: ItemRecord, inQueue: boolean): void {
    if (item.state === 'queued' && inQueue) this.startable.add(item.id);
    else this.startable.delete(item.id);
    // A removed item's late change (its transfer unwinding) is not counted: it left the queue,
    // and the bulk actions find their items through the tally (queue-bulk.ts).
    if (inQueue) {
      this.tally.update(item);
      this.order.note(item);
    }
    if (item.sha256) {
      let ids = this.bySha256.get(item.sha256);
      if (!ids) this.bySha256.set(item.sha256, (ids = new Set()));
      ids.add(item.id);
    }
  }

  /** Only the item's state changed (bulk actions, queue-bulk.ts): not its order, size or hash. */
  stateChanged(item: ItemRecord): void {
    if (item.state === 'queued') this.startable.add(item.id);
    else this.startable.delete(item.id);
    this.tally.update(item);
  }

  /**
   * Pause all paused every pending item, these as a bulk (queue-bulk.ts): their counts change,
   * and none is startable any more (one clear instead of 80,000 deletes).
   */
  pausedAll(items: readonly ItemRecord[]): void {
    for (const item of items) this.tally.update(item);
    this.startable.clear();
  }

  remove(item: ItemRecord): void {
    this.startable.delete(item.id);
    // The order first: its slot is in the tally's entry, which the tally's remove drops.
    this.order.forget(item.id);
    this.tally.remove(item.id);
    const ids = item.sha256 ? this.bySha256.get(item.sha256) : undefined;
    ids?.delete(item.id);
    if (ids?.size === 0) this.bySha256.delete(item.sha256!);
  }

  /**
   * One window of the items in `filter`, in queue order, and how many the filter holds. All items:
   * a slice. A filter: a walk from the start that stops at the window's end, reading only states
   * (the count comes from the tally), so a page costs at most one pass over ids, never a sort.
   */
  page(
    items: Record<string, ItemRecord>,
    filter: UploadFilter,
    offset: number,
    limit: number,
  ): { items: ItemRecord[]; total: number } {
    const ids = this.order.ids();
    const picked: ItemRecord[] = [];
    if (filter === 'all') {
      for (const id of ids.slice(offset, offset + limit)) picked.push(items[id]!);
      return { items: picked, total: ids.length };
    }
    let skip = offset;
    for (const id of ids) {
      const item = items[id]!;
      if (!inFilter(item.state, filter)) continue;
      if (skip > 0) skip--;
      else if (picked.push(item) === limit) break;
    }
    return { items: picked, total: this.tally.inFilter(filter) };
  }

  /**
   * The `count` startable items first in order (lowest `order`), skipping those `busy`: one pass
   * over the startable ones, no sort.
   */
  firstStartable(
    items: Record<string, ItemRecord>,
    count: number,
    busy: (id: string) => boolean,
  ): ItemRecord[] {
    const picked: ItemRecord[] = [];
    for (const id of this.startable) {
      const item = items[id];
      if (!item || busy(id)) continue;
      if (picked.length === count && item.order >= picked[count - 1]!.order) continue;
      let at = picked.length;
      while (at > 0 && picked[at - 1]!.order > item.order) at--;
      picked.splice(at, 0, item);
      if (picked.length > count) picked.pop();
    }
    return picked;
  }

  /** Another item of the queue with the same content that still stands for it, if any. */
  twinOf(item: ItemRecord, items: Record<string, ItemRecord>): ItemRecord | undefined {
    if (!item.sha256) return undefined;
    for (const id of this.bySha256.get(item.sha256) ?? []) {
      const other = items[id];
      if (other && other.id !== item.id && other.sha256 === item.sha256 && !GAVE_UP.includes(other.state))
        return other;
    }
    return undefined;
  }
}
