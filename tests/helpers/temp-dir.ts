import { afterEach, beforeEach } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real temporary folder, removed by the returned cleanup. */
export async function makeTempDir(
  prefix = 'tl-test-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A fresh temporary folder for every test of the file, removed after it: `use` is handed each
 * one's path (`useTempDirPerTest((path) => (dir = path))`).
 */
export function useTempDirPerTest(use: (dir: string) => void, prefix?: string): void {
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const made = await makeTempDir(prefix);
    cleanup = made.cleanup;
    use(made.dir);
  });
  afterEach(async () => {
    await cleanup();
  });
}
