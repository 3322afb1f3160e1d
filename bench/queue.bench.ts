/**
 * The queue's own costs, each as a ratio to a reference measured in the same run:
 * adding and restoring 10,000 items (vs walking the same folder), one coalesced write with 10,000
 * items (vs writing the same JSON raw), hashing (vs sha256sum) and a shared bandwidth limit
 * (vs the limit itself).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../electron/core/queue/hashing.ts';
import { walkFiles } from '../electron/core/queue/folder-walk.ts';
import { startEmulator } from '../emulator/index.ts';
import { writeMp4File } from '../tests/helpers/media.ts';
import { allIn, makeQueue, waitFor } from '../tests/helpers/queue-harness.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
import { fmtMiB, MiB, processMemory, table, timeCommand } from './lib.ts';

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

export async function run(): Promise<void> {
  const { dir, cleanup } = await makeTempDir('tl-bench-queue-');
  const rows: string[][] = [];
  try {
    // 10,000 small files in 100 folders.
    const tree = join(dir, 'tree');
    for (let d = 0; d < 100; d++) {
      await mkdir(join(tree, `d${d}`), { recursive: true });
      await Promise.all(
        Array.from({ length: 100 }, (_, f) => writeFile(join(tree, `d${d}`, `f${f}.wav`), `x${d}-${f}`)),
      );
    }
    let t = process.hrtime.bigint();
    let walked = 0;
    for await (const _ of walkFiles(tree)) walked++;
    const walkMs = ms(t);

    const dataDir = join(dir, 'data');
    const rssBefore = (await processMemory(process.pid)).rss;
    let h = makeQueue('http://127.0.0.1:9/v1.3', dataDir);
    h.queue.start();
    h.queue.pauseAll();
    t = process.hrtime.bigint();
    const { added } = await h.queue.add([{ kind: 'folder', path: tree }]);
    const addMs = ms(t);
    rows.push([
      `add a folder of ${walked} files (saved)`,
      `${addMs.toFixed(0)} ms`,
      `walk only: ${walkMs.toFixed(0)} ms`,
      (addMs / walkMs).toFixed(2),
    ]);

    // One coalesced write with 10,000 items, against writing the same JSON directly.
    const doc = (
      h.queue as unknown as {
        doc: {
          data: Record<string, unknown>;
          commit(): Promise<void>;
          commitChanges(): Promise<void>;
          changedAt(...path: string[]): void;
        };
      }
    ).doc;
    for (let i = 0; i < 100; i++) h.queue.moveToTop(added[i]!.id);
    t = process.hrtime.bigint();
    await doc.commit();
    const commitMs = ms(t);
    t = process.hrtime.bigint();
    writeFileSync(join(dir, 'raw.json'), JSON.stringify(doc.data, undefined, '\t'));
    const rawMs = ms(t);
    rows.push([
      '100 changes, one coalesced write',
      `${commitMs.toFixed(1)} ms`,
      `raw JSON write: ${rawMs.toFixed(1)} ms`,
      (commitMs / rawMs).toFixed(2),
    ]);

    // One item's change saved as a journal line, against saving the whole queue (median of 21).
    const itemId = added[0]!.id;
    const journalMs: number[] = [];
    const wholeMs: number[] = [];
    for (let i = 0; i < 21; i++) {
      doc.changedAt('items', itemId);
      t = process.hrtime.bigint();
      await doc.commitChanges();
      journalMs.push(ms(t));
      t = process.hrtime.bigint();
      await doc.commit();
      wholeMs.push(ms(t));
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    rows.push([
      `one item's change saved, ${walked} items`,
      `journal: ${median(journalMs).toFixed(2)} ms`,
      `whole save: ${median(wholeMs).toFixed(1)} ms`,
      (median(journalMs) / median(wholeMs)).toFixed(3),
    ]);
    await h.close();

    t = process.hrtime.bigint();
    h = makeQueue('http://127.0.0.1:9/v1.3', dataDir);
    h.queue.start();
    const restored = h.queue.list().length;
    const restoreMs = ms(t);
    rows.push([
      `restore ${restored} items at start`,
      `${restoreMs.toFixed(0)} ms`,
      `walk only: ${walkMs.toFixed(0)} ms`,
      (restoreMs / walkMs).toFixed(2),
    ]);
    const peak = (await processMemory(process.pid)).peak;
    rows.push([
      'peak RSS with 10,000 items',
      fmtMiB(peak),
      `before: ${fmtMiB(rssBefore)}`,
      (peak / rssBefore).toFixed(2),
    ]);
    await h.close();

    // Hashing: 1 GiB, against sha256sum on the same (cached) file.
    const big = await writeMp4File(join(dir, 'big.mp4'), 1024 * MiB, 5);
    await timeCommand('sha256sum', [big]); // warm the page cache for both
    const sum = await timeCommand('sha256sum', [big]);
    t = process.hrtime.bigint();
    const digest = await sha256File(big);
    const hashMs = ms(t);
    if (digest !== sum.stdout.split(' ')[0]) throw new Error('hash mismatch with sha256sum');
    rows.push([
      'sha256 of 1 GiB',
      `${(1024 / (hashMs / 1000)).toFixed(0)} MiB/s`,
      `sha256sum: ${(1024 / (sum.ms / 1000)).toFixed(0)} MiB/s`,
      (sum.ms / hashMs).toFixed(2),
    ]);

    // A 5 MB/s limit shared by 4 parallel transfers.
    const emulator = await startEmulator({ processingMs: 10 });
    try {
      for (let i = 0; i < 4; i++) await writeMp4File(join(dir, `bw${i}.mp4`), 8_000_000, 50 + i);
      const limit = 5_000_000;
      const q = makeQueue(emulator.url, join(dir, 'bw-data'), {
        concurrency: 4,
        bandwidthBytesPerSecond: limit,
      });
      q.queue.start();
      let first = 0;
      let last = 0;
      q.queue.on('item-changed', (v) => {
        if (v.state === 'uploading' && !first) first = Date.now();
        if (v.state === 'processing') last = Date.now();
      });
      await q.queue.add(
        Array.from({ length: 4 }, (_, i) => ({ kind: 'file' as const, path: join(dir, `bw${i}.mp4`) })),
      );
      await waitFor(q.queue, allIn('ready'), 60_000);
      await q.close();
      const rate = 32_000_000 / ((last - first) / 1000);
      rows.push([
        '4 transfers under a 5 MB/s limit',
        `${(rate / 1e6).toFixed(2)} MB/s`,
        'limit: 5.00 MB/s',
        (rate / limit).toFixed(2),
      ]);
    } finally {
      await emulator.close();
    }
  } finally {
    await cleanup();
  }
  console.log(table(['measure', 'ours', 'reference', 'ratio'], rows));
  console.log(
    '\nTargets: hashing ratio ≥ 0.9 (ratio = sha256sum time / ours); bandwidth ratio within 0.9–1.1.',
  );
}
