/**
 * The upload queue as its own process, for crash tests: the test SIGKILLs it at random moments.
 * argv: baseUrl dataDir manifest.json — the manifest lists the files to add on the first run.
 * Prints "idle" and exits 0 once nothing is left to do.
 */
import { readFile } from 'node:fs/promises';
import { makeQueue, runChildQueueToIdle } from './queue-harness.ts';

const [baseUrl, dataDir, manifestPath] = process.argv.slice(2) as [string, string, string];
const files = JSON.parse(await readFile(manifestPath, 'utf8')) as string[];
const { queue, close } = makeQueue(baseUrl, dataDir, {
  concurrency: 3,
  chunkConcurrency: 4,
  // Slow enough that kills land mid-transfer.
  bandwidthBytesPerSecond: 80 * 1024 * 1024,
});
await runChildQueueToIdle({ queue, close }, files);
