/**
 * Hand-overs overlap (issue 18): while one batch of a first scan waits for the queue's write,
 * the next is prepared and added. Attacked with a queue whose second write fails (a full disk)
 * while two batches are under way: the failed batch is kept and tried again, the other goes
 * through, and every file ends up queued exactly once, in a real temp tree on the real queue.
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { wav } from '../helpers/media.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { diskFull, gatedWrites } from '../helpers/store-faults.ts';
import { startFolderSync, statusWhere } from '../helpers/sync-status.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const FILES = 1_500; // three batches of 500 (folder-handover.ts MAX_BATCH)

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => {
  temp = await makeTempDir('tl-handover-overlap-');
  const sample = wav(0.01);
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (let d = 0; d < FILES / 100; d++) {
    const folder = join(temp.dir, 'watched', `card-${d}`);
    await mkdir(folder, { recursive: true });
    await Promise.all(
      Array.from({ length: 100 }, async (_, f) => {
        await writeFile(join(folder, `clip-${f}.wav`), sample);
        await utimes(join(folder, `clip-${f}.wav`), hourAgo, hourAgo); // still: handed over at once
      }),
    );
  }
}, 60_000);
afterAll(async () => {
  await temp.cleanup();
});

describe('overlapping hand-overs', () => {
  it('a batch whose write fails while another is under way is kept and retried: every file once', async () => {
    const dataDir = join(temp.dir, 'data');
    const writes = { armed: false, count: 0, failAt: 2 };
    const harness = makeQueue('http://127.0.0.1:9/v1.3', dataDir, {
      openStore: (dir, name) => {
        const store = new ConfDocumentStore(dir, name);
        // The `failAt`-th write from when it is armed fails, as on a full disk.
        return name !== 'queue'
          ? store
          : gatedWrites(store, () => {
              if (writes.armed && ++writes.count === writes.failAt) throw diskFull();
            });
      },
    });
    harness.queue.start();
    harness.queue.pauseAll(); // about the hand-over, not uploads
    const sync = await startFolderSync(harness.queue, dataDir);
    const problems: string[] = [];
    sync.on('status', (s) => problems.push(...s.problems));
    try {
      writes.armed = true;
      await sync.addFolder(join(temp.dir, 'watched'), { stabilityMs: 1_000 });
      const status = await statusWhere(sync, (s) => s.pending === FILES && s.problems.length === 0, 50_000);
      expect(status.pending).toBe(FILES);
      // The failure happened, and was said.
      expect(writes.count).toBeGreaterThanOrEqual(2);
      expect(problems.some((p) => p.includes('could not be added to the upload queue'))).toBe(true);
      const paths = harness.queue.list().map((item) => (item.source.kind === 'file' ? item.source.path : ''));
      expect(paths).toHaveLength(FILES);
      expect(new Set(paths).size).toBe(FILES);
    } finally {
      await sync.stop();
      await harness.close();
    }
    // What was saved holds every file once too.
    const again = makeQueue('http://127.0.0.1:9/v1.3', dataDir);
    expect(again.queue.page('all', 0, 10).total).toBe(FILES);
    await again.close();
  }, 60_000);
});
