import { SvelteMap } from 'svelte/reactivity';
import type { QueueItemView, QueueTotals } from '../../electron/shared/queue-types.ts';
import { client } from '../lib/client.svelte.ts';

export type UploadFilter = 'all' | 'active' | 'attention' | 'done';

const ACTIVE = ['queued', 'preparing', 'uploading', 'finalizing', 'processing', 'waiting', 'paused'];
const ATTENTION = ['failed', 'source-missing'];
/** A duplicate is done, not a problem: its content is already in the library. */
const DONE = ['ready', 'canceled', 'duplicate'];

/** The queue as the UI reads it: fed by contract events, changed only through commands. */
export class UploadsState {
  readonly items = new SvelteMap<string, QueueItemView>();
  order = $state<string[]>([]);
  totals = $state<QueueTotals | undefined>();
  filter = $state<UploadFilter>('all');
  loaded = $state(false);

  visible = $derived.by(() => {
    const wanted =
      this.filter === 'active'
        ? ACTIVE
        : this.filter === 'attention'
          ? ATTENTION
          : this.filter === 'done'
            ? DONE
            : undefined;
    const out: QueueItemView[] = [];
    for (const id of this.order) {
      const item = this.items.get(id);
      if (item && (!wanted || wanted.includes(item.state))) out.push(item);
    }
    return out;
  });

  counts = $derived.by(() => {
    const c = { all: 0, active: 0, attention: 0, done: 0 };
    for (const item of this.items.values()) {
      c.all++;
      if (ACTIVE.includes(item.state)) c.active++;
      else if (ATTENTION.includes(item.state)) c.attention++;
      else if (DONE.includes(item.state)) c.done++;
    }
    return c;
  });

  constructor() {
    // An item may change (start preparing) before its "added" event arrives: either one adds it.
    const upsert = (item: QueueItemView) => {
      if (!this.items.has(item.id)) this.order = [...this.order, item.id];
      this.items.set(item.id, item);
    };
    client.on('uploads:item-added', (item) => {
      // Never let an "added" event overwrite a newer state that arrived first.
      if (!this.items.has(item.id)) upsert(item);
    });
    client.on('uploads:item-changed', upsert);
    client.on('uploads:item-removed', ({ id }) => {
      this.items.delete(id);
      this.order = this.order.filter((x) => x !== id);
    });
    client.on('uploads:totals-changed', (t) => (this.totals = t));
  }

  async load(): Promise<void> {
    const { items, totals } = await client.invoke('uploads:list', {});
    this.items.clear();
    for (const item of items) this.items.set(item.id, item);
    this.order = items.map((i) => i.id);
    this.totals = totals;
    this.loaded = true;
  }

  async moveToTop(id: string): Promise<void> {
    await client.invoke('uploads:move-to-top', { id });
    await this.load();
  }
}
