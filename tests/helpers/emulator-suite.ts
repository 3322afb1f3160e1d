/**
 * The setup every emulator-backed suite shares: one emulator and one temp root per test file
 * (closed and removed after it), the emulator reset and a case number `n` counted up before every
 * test. A suite registers it first, then makes its own per-test folders under `root` from `n`.
 * The bindings are live (re-export them: `export { emulator } from './emulator-suite.ts'`); a test
 * file uses one such suite (vitest gives each file its own modules).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from './emulator-control.ts';
import { makeTempDir } from './temp-dir.ts';

export let emulator: RunningEmulator;
export let control: EmulatorControl;
export let root: string;
export let n = 0;
let cleanupRoot: () => Promise<void>;

/** Registers the hooks; call once, before the suite's own per-test hooks. */
export function useEmulatorPerFile(options: EmulatorOptions, tempPrefix?: string): void {
  beforeAll(async () => {
    ({ dir: root, cleanup: cleanupRoot } = await makeTempDir(tempPrefix));
    emulator = await startEmulator(options);
    control = new EmulatorControl(emulator.origin);
  });
  afterAll(async () => {
    await emulator.close();
    await cleanupRoot();
  });
  beforeEach(async () => {
    await control.reset();
    n++;
  });
}
