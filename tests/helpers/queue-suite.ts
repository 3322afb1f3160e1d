/**
 * Shared setup of the queue suites (queue-*.test.ts): one emulator per file, a fresh folder and
 * data folder per test, and after every test the checks that the queue's totals equal a recount
 * and that what it saved equals what it holds. The bindings are live: tests read the current
 * test's `dir`, `dataDir` and `harness`; `setHarness` replaces the harness a test made itself.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { emulator, n, root, useEmulatorPerFile } from './emulator-suite.ts';
import { makeQueue } from './queue-harness.ts';

export { control, emulator, n, root } from './emulator-suite.ts';
export let dir: string;
export let dataDir: string;
export let harness: ReturnType<typeof makeQueue> | undefined;

export function setHarness<T extends ReturnType<typeof makeQueue> | undefined>(next: T): T {
  harness = next;
  return next;
}

/** Registers the suite's hooks; call once at the top of a test file. */
export function useQueueSuite(): void {
  useEmulatorPerFile({ processingMs: 30 });
  beforeEach(async () => {
    dir = join(root, `files-${n}`);
    dataDir = join(root, `data-${n}`);
    await mkdir(dir, { recursive: true });
  });
  afterEach(async () => {
    if (harness) expectTotalsToMatchItems(harness.queue);
    await harness?.close();
    if (harness) expectSavedAsInMemory(harness.queue);
    harness = undefined;
  });
}

/**
 * The queue saves most changes as journal entries for the items it marks changed (store/journal.ts):
 * a change it forgot to mark would be lost in a crash. After every scenario here, the document as
 * loaded from disk (last save + journal) must equal the one in memory.
 */
function expectSavedAsInMemory(queue: ReturnType<typeof makeQueue>['queue']) {
  const live = (queue as unknown as { doc: { data: Record<string, unknown> } }).doc.data;
  const saved = new ConfDocumentStore(dataDir, 'queue').load().data;
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
  expect(plain(saved)).toEqual(plain(live));
}

/**
 * The queue keeps its totals item by item instead of recounting (queue-tally.ts): after every
 * scenario here (restarts, dedupe, cancel, retry, rewritten files) they must equal a recount.
 */
function expectTotalsToMatchItems(queue: ReturnType<typeof makeQueue>['queue']) {
  const items = queue.list();
  const byState: Record<string, number> = {};
  for (const item of items) byState[item.state] = (byState[item.state] ?? 0) + 1;
  const bytesTotal = items
    .filter((i) => i.state !== 'canceled' && i.state !== 'failed')
    .reduce((sum, i) => sum + (i.size ?? 0), 0);
  const totals = queue.totals();
  expect(totals.byState).toEqual(byState);
  expect(totals.bytesTotal).toBe(bytesTotal);
}

export function start(overrides: Parameters<typeof makeQueue>[2] = {}) {
  harness = makeQueue(emulator.url, dataDir, overrides);
  harness.queue.start();
  return harness.queue;
}

export async function emulatorAssets() {
  const res = await fetch(`${emulator.url}/assets?page_limit=50`, { headers: { 'x-api-key': 'k' } });
  return (
    (await res.json()) as { data: Array<{ _id: string; filename: string; status: string; size?: number }> }
  ).data;
}
