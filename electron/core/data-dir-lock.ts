import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holderPid: number,
  ) {
    super(
      `Another TL Uploader (process ${holderPid}) is already using ${dir}. Close it, or use another data folder (TL_UPLOADER_DATA_DIR).`,
    );
    this.name = 'DataDirLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process per data directory: two cores on one queue would upload everything twice. The lock
 * file names its holder; a lock left by a process that died (a crash) is taken over.
 */
export async function lockDataDir(dir: string): Promise<{ release: () => Promise<void> }> {
  const path = join(dir, 'core.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (holder && holder !== process.pid && alive(holder)) throw new DataDirLockedError(dir, holder);
      await rm(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not lock ${dir}.`);
}
