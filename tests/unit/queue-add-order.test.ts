/**
 * Two adds at once (a watched folder hands a batch over while the previous one is being saved):
 * the queue keeps the order they were called in, although creating items yields to the event
 * loop every few hundred. A real queue on a real store in a temp folder; paused, so nothing runs.
 */
import { describe, expect, it } from 'vitest';
import { makeQueue } from '../helpers/queue-harness.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

let dir: string;
useTempDirPerTest((path) => (dir = path));

const files = (batch: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    kind: 'file' as const,
    path: `/footage/${batch}/clip-${i}.wav`,
  }));

describe('UploadQueue.add called again before the last one resolved', () => {
  it("creates the second call's items after all of the first's, and both are saved", async () => {
    const { queue, close } = makeQueue('http://127.0.0.1:9/v1.3', dir);
    queue.start();
    queue.pauseAll();
    // 1,200 each: creation yields twice in each (every 500), where the old code interleaved them.
    const [first, second] = await Promise.all([queue.add(files('a', 1_200)), queue.add(files('b', 1_200))]);
    expect(first.added).toHaveLength(1_200);
    expect(second.added).toHaveLength(1_200);
    const page = queue.page('all', 0, 2_400);
    const batches = page.items.map((item) => item.source.kind === 'file' && item.source.path.split('/')[2]);
    expect(batches.indexOf('b')).toBe(1_200);
    expect(batches.lastIndexOf('a')).toBe(1_199);
    await close();
    const again = makeQueue('http://127.0.0.1:9/v1.3', dir);
    expect(again.queue.page('all', 0, 10).total).toBe(2_400);
    await again.close();
  });

  it('a call that throws does not hold up the next one', async () => {
    const { queue, close } = makeQueue('http://127.0.0.1:9/v1.3', dir);
    queue.pauseAll();
    const broken = queue.add([{ kind: 'folder', path: 'x' }, null as never]);
    const next = queue.add(files('c', 3));
    await expect(broken).rejects.toThrow();
    expect((await next).added).toHaveLength(3);
    await close();
  });
});
