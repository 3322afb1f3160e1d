/**
 * Concurrent queue.add() calls (issue 18: a watched folder hands a batch over while the last one
 * is saved) when the first one's write fails (a full disk). What each add() reported is what a
 * restart finds: the failed call's items are gone, the others' are all there, in call order.
 * The real queue on real stores in a temp folder; the queue's store fails its first write.
 */
import { describe, expect, it } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';
import { gatedStore } from '../helpers/store-faults.ts';

let dir: string;
useTempDirPerTest((path) => (dir = path), 'hostile-s6-add-failure-');

const files = (batch: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    kind: 'file' as const,
    path: `/footage/${batch}/clip-${i}.wav`,
  }));

describe('three adds at once, the first one not saved', () => {
  it('a restart finds exactly the items of the adds that resolved, in call order', async () => {
    const gate = { armed: false, blocked: 0, release: undefined as (() => void) | undefined };
    const harness = makeQueue('http://127.0.0.1:9/v1.3', dir, {
      openStore: (d, name) =>
        name === 'queue' ? gatedStore(new ConfDocumentStore(d, name), gate) : new ConfDocumentStore(d, name),
    });
    harness.queue.pauseAll();
    await harness.queue.add(files('before', 2)); // saved: the journal is ready
    gate.armed = true;
    const outcomes = [
      harness.queue.add(files('a', 1_200)),
      harness.queue.add(files('b', 1_200)),
      harness.queue.add(files('c', 700)),
    ].map((p) =>
      p.then(
        (r) => ({ ok: true as const, ids: r.added.map((v) => v.id) }),
        (e: Error) => ({ ok: false as const, error: e.message }),
      ),
    );
    await until('the first write to be under way', () => gate.blocked > 0);
    // Every item of all three is created (in memory) before the first write fails.
    await until('all items created', () => harness.queue.page('all', 0, 1).total === 2 + 3_100);
    gate.armed = false;
    gate.release!();
    const [a, b, c] = await Promise.all(outcomes);
    const savedIds = [a, b, c].flatMap((o) => (o!.ok ? o!.ids : []));
    expect([a, b, c].some((o) => !o!.ok)).toBe(true); // the failure reached at least one caller
    const live = harness.queue.page('all', 0, 5_000).items;
    await harness.close();
    const again = makeQueue('http://127.0.0.1:9/v1.3', dir);
    try {
      expect(again.queue.recovered).toBeUndefined();
      const items = again.queue.page('all', 0, 5_000).items;
      // What the adds reported is what was saved: no item of a failed add, every item of the others.
      expect(items.map((i) => i.id)).toEqual(live.map((i) => i.id));
      expect(items.map((i) => i.id).sort()).toEqual(
        [
          ...items
            .filter((i) => i.source.kind === 'file' && i.source.path.includes('/before/'))
            .map((i) => i.id),
          ...savedIds,
        ].sort(),
      );
      // In call order: each batch's items together, a before b before c.
      const batches = items.map((i) => (i.source.kind === 'file' ? i.source.path.split('/')[2] : ''));
      const runs = batches.filter((name, i) => i === 0 || name !== batches[i - 1]);
      expect(runs).toEqual(['before', ...(['a', 'b', 'c'] as const).filter((_, k) => [a, b, c][k]!.ok)]);
    } finally {
      await again.close();
    }
  }, 30_000);
});
