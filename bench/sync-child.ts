/**
 * The watched-folder measure of sync.bench.ts in a process of its own, so that its peak memory is
 * the scan's (as the app's main process meets a folder), not that of the parent that wrote the
 * 100,000 files of the tree a moment before. The bare walk it is compared with runs here too, in
 * the same process and on the same warm tree. Prints one JSON line (SyncFigures). argv: tree dataDir stabilityMs lateFile (relative to the tree: the new file whose detection is timed)
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { walkFiles } from '../electron/core/queue/folder-walk.ts';
import { ConfDocumentStore } from '../electron/core/store/conf-document-store.ts';
import { FolderSync } from '../electron/core/sync/folder-sync.ts';
import { wav } from '../tests/helpers/media.ts';
import { makeQueue } from '../tests/helpers/queue-harness.ts';
import { processMemory } from './lib.ts';

export interface SyncFigures {
  total: number;
  walkMs: number;
  walkCpuMs: number;
  firstQueuedMs: number;
  scanMs: number;
  allQueuedMs: number;
  allQueuedCpuMs: number;
  stallMs: number;
  rssBefore: number;
  peakRss: number;
  detectMs: number;
  watchMode: string;
  problems: string;
}

const [tree, dataDir, stability, lateFile] = process.argv.slice(2) as [string, string, string, string];
const STABILITY_MS = Number(stability);

// The reference: a bare walk of the same tree, the median of five after one to warm the cache
// (the scan below meets the tree warm too). A single walk swung 100 ms–1.4 s on a machine shared
// by others, and the ratio with it. walkFiles (electron/core/queue/folder-walk.ts): opendir
// recursion that lists names and types, no stat and no read; what any scan must at least do.
const walks: number[] = [];
const walkCpu: number[] = [];
let total = 0;
for (let i = 0; i < 6; i++) {
  const since = performance.now();
  const cpu = process.cpuUsage();
  let files = 0;
  for await (const _ of walkFiles(tree)) files++;
  total = files;
  if (i > 0) walks.push(performance.now() - since);
  if (i > 0) walkCpu.push(cpuMs(process.cpuUsage(cpu)));
}

const harness = makeQueue('http://127.0.0.1:9/v1.3', dataDir);
harness.queue.start();
harness.queue.pauseAll(); // measure the sync, not uploads
const sync = new FolderSync({ queue: harness.queue, store: new ConfDocumentStore(dataDir, 'sync') });
await sync.start();
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const stallLog = process.env.STALL_LOG ? logStalls() : undefined;
let firstQueued = 0;
let queued = 0;
harness.queue.on('item-added', () => {
  queued++;
  firstQueued ||= performance.now();
});
const rssBefore = (await processMemory(process.pid)).rss;
const t = performance.now();
const startUs = process.hrtime.bigint() / 1000n;
const cpuBefore = process.cpuUsage();
await sync.addFolder(tree, { stabilityMs: STABILITY_MS });
const scanMs = performance.now() - t;
while (queued < total) await new Promise((r) => setTimeout(r, 100));
const allQueuedMs = performance.now() - t;
// Every thread of the process (the scan thread too): on a machine shared with others, the time
// it took swings with their load, the work it took much less.
const allQueuedCpuMs = cpuMs(process.cpuUsage(cpuBefore));
if (stallLog) console.error(`QUEUED start_us=${startUs} end_us=${process.hrtime.bigint() / 1000n}`);
delay.disable();
if (stallLog) clearInterval(stallLog);
const peakRss = (await processMemory(process.pid)).peak;

// Detection delay of one new file after its writer closes it.
const before = queued;
const since = performance.now();
await writeFile(join(tree, lateFile), wav(0.02));
while (queued === before) await new Promise((r) => setTimeout(r, 20));
const detectMs = performance.now() - since;
const status = sync.statuses()[0]!;
await sync.stop();
await harness.close();

const figures: SyncFigures = {
  total,
  walkMs: median(walks),
  walkCpuMs: median(walkCpu),
  firstQueuedMs: firstQueued - t,
  scanMs,
  allQueuedMs,
  allQueuedCpuMs,
  stallMs: delay.max / 1e6,
  rssBefore,
  peakRss,
  detectMs,
  watchMode: status.watchMode,
  problems: status.problems.join(' '),
};
console.log(JSON.stringify(figures));

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** User and system time of a process.cpuUsage() difference, in ms. */
function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/**
 * With STALL_LOG=1: prints every stall over 50 ms with its monotonic start and end in µs, the
 * clock of a `node --cpu-prof` profile, so the work that stalled can be found in it.
 */
function logStalls(): NodeJS.Timeout {
  let last = process.hrtime.bigint();
  return setInterval(() => {
    const now = process.hrtime.bigint();
    const gap = Number(now - last) / 1e6;
    if (gap > 50) console.error(`STALL ${gap.toFixed(0)}ms start_us=${last / 1000n} end_us=${now / 1000n}`);
    last = now;
  }, 5);
}
