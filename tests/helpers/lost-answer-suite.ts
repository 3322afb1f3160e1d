/**
 * Shared setup of the queue suites behind the lost-answer gateway (lost-answer.test.ts,
 * lost-answer-hostile.test.ts): the rig (emulator, control, gateway) and a temp root per file; per
 * test the rig reset with small multipart chunks, a fresh folder and data folder, and the queue
 * closed after it. The bindings are live: tests read the current test's `dir`, `dataDir` and
 * `harness`; `setHarness` hands over a harness a test made itself, so it is closed too.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { RunningEmulator } from '../../emulator/index.ts';
import type { EmulatorControl } from './emulator-control.ts';
import { startLostAnswerRig, type LostAnswerProxy, type LostAnswerRig } from './lost-answer-proxy.ts';
import { makeQueue } from './queue-harness.ts';
import { makeTempDir } from './temp-dir.ts';

export let emulator: RunningEmulator;
export let control: EmulatorControl;
export let proxy: LostAnswerProxy;
export let dir: string;
export let dataDir: string;
export let harness: ReturnType<typeof makeQueue> | undefined;
let rig: LostAnswerRig;
let root: string;
let cleanupRoot: () => Promise<void>;
let n = 0;

/** Small chunks: a file of a few dozen KB is a multipart upload of many chunks (4 KiB each). */
const CHUNK = 4096;
export const KEY = { 'x-api-key': 'k' };

export function setHarness<T extends ReturnType<typeof makeQueue>>(next: T): T {
  harness = next;
  return next;
}

/** Registers the suite's hooks; call once at the top of a test file. */
export function useLostAnswerSuite(tempPrefix?: string): void {
  beforeAll(async () => {
    ({ dir: root, cleanup: cleanupRoot } = await makeTempDir(tempPrefix));
    rig = await startLostAnswerRig();
    ({ emulator, control, proxy } = rig);
  });
  afterAll(async () => {
    await rig.close();
    await cleanupRoot();
  });
  beforeEach(async () => {
    await rig.reset(CHUNK);
    n++;
    dir = join(root, `files-${n}`);
    dataDir = join(root, `data-${n}`);
    await mkdir(dir, { recursive: true });
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
}

/** A started queue that talks to the platform through the gateway. */
export function startThroughGateway(overrides: Parameters<typeof makeQueue>[2] = {}) {
  const { queue } = setHarness(makeQueue(`${proxy.origin}/v1.3`, dataDir, overrides));
  queue.start();
  return queue;
}

/** What the platform holds, read from the emulator directly (not through the gateway). */
export async function emulatorAssets() {
  const res = await fetch(`${emulator.url}/assets?page_limit=50`, { headers: KEY });
  return ((await res.json()) as { data: Array<{ _id: string; filename: string; status: string }> }).data;
}
