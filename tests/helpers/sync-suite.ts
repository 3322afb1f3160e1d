/**
 * Shared setup of the watched-folder suites (sync-*.test.ts): one emulator per file, a fresh
 * watched folder and data folder per test, the real queue and FolderSync started by `startAll`
 * and stopped after every test. The bindings are live: tests read the current test's `watched`,
 * `dataDir` and `running`; `setRunning` clears what a test stopped itself.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { FolderStatus } from '../../electron/shared/sync-types.ts';
import { FolderSync } from '../../electron/core/sync/folder-sync.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { control, emulator, n, root, useEmulatorPerFile } from './emulator-suite.ts';
import { makeQueue } from './queue-harness.ts';

export { failingWrites } from './store-faults.ts';
export { statusWhere } from './sync-status.ts';

export { control, emulator, n, root } from './emulator-suite.ts';
export let watched: string;
export let dataDir: string;
export let running: { sync: FolderSync; harness: ReturnType<typeof makeQueue> } | undefined;

export function setRunning(next: typeof running): void {
  running = next;
}

/** Registers the suite's hooks; call once at the top of a test file. */
export function useSyncSuite(): void {
  useEmulatorPerFile({ processingMs: 20 });
  beforeEach(async () => {
    watched = join(root, `watched-${n}`);
    dataDir = join(root, `data-${n}`);
    await mkdir(watched, { recursive: true });
  });
  afterEach(async () => {
    await stopAll();
  });
}

export async function startAll(
  queueOverrides: Parameters<typeof makeQueue>[2] = {},
  syncOverrides: Partial<ConstructorParameters<typeof FolderSync>[0]> = {},
) {
  const harness = makeQueue(emulator.url, dataDir, { concurrency: 6, ...queueOverrides });
  harness.queue.start();
  const sync = new FolderSync({
    queue: harness.queue,
    store: new ConfDocumentStore(dataDir, 'sync'),
    availabilityIntervalMs: 200,
    ...syncOverrides,
  });
  await sync.start();
  running = { sync, harness };
  return running;
}

export async function stopAll() {
  if (!running) return;
  await running.sync.stop();
  await running.harness.close();
  running = undefined;
}

export async function creates(): Promise<number> {
  return (
    (await control.requests('assets.create')).filter((r) => r.status === 201).length +
    (await control.requests('multipart.create')).length
  );
}

export async function assetNames(): Promise<string[]> {
  const names: string[] = [];
  for (let page = 1; ; page++) {
    const res = await fetch(`${emulator.url}/assets?page_limit=50&page=${page}`, {
      headers: { 'x-api-key': 'k' },
    });
    const body = (await res.json()) as { data: Array<{ filename: string }> };
    if (body.data.length === 0) return names.sort();
    names.push(...body.data.map((a) => a.filename));
  }
}

export const settled = (s: FolderStatus) =>
  s.state === 'watching' && s.pending === 0 && s.waitingForFile === 0;
