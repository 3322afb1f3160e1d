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
import type { DocumentStore } from '../../electron/core/store/document-store.ts';
import { control, emulator, n, root, useEmulatorPerFile } from './emulator-suite.ts';
import { makeQueue } from './queue-harness.ts';

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

export function statusWhere(
  sync: FolderSync,
  predicate: (s: FolderStatus) => boolean,
  timeoutMs = 30_000,
): Promise<FolderStatus> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = sync.statuses()[0];
      if (s && predicate(s)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(s);
      }
    };
    const poll = setInterval(check, 50);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`folder status never matched: ${JSON.stringify(sync.statuses()[0])}`));
    }, timeoutMs);
    check();
  });
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

/**
 * The queue's real store, whose writes fail as on a full disk while `failuresLeft` > 0: the
 * queue's add() then really rejects, after creating its items in memory.
 */
export function failingWrites(
  inner: DocumentStore,
  writes: { failuresLeft: number; failed: number },
): DocumentStore {
  return new Proxy(inner, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== 'save' && prop !== 'append') return value.bind(target);
      return async (...args: unknown[]) => {
        if (writes.failuresLeft > 0) {
          writes.failuresLeft--;
          writes.failed++;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
