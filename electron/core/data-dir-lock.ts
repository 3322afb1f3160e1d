import { randomUUID } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
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

/** Puts the lock file in place, or fails with EEXIST when one is there. */
async function place(written: string, path: string): Promise<void> {
  try {
    await link(written, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
    // A filesystem without hard links (FAT, some network shares): create-exclusive, then write.
    await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
  }
}

async function holderOf(path: string): Promise<number> {
  return Number((await readFile(path, 'utf8').catch(() => '')).trim());
}

/**
 * One process per data directory: two cores on one queue would upload everything twice. The lock
 * file names its holder; a lock left by a process that died (a crash) is taken over.
 *
 * The file appears with its content at once (written aside, then hard-linked into place, which
 * fails if a lock exists): a second process starting at the same moment never reads an empty
 * lock and takes it for a stale one. Release removes the file only while it still names this
 * process, and only once, so a late or repeated release never frees another process's lock.
 */
export async function lockDataDir(dir: string): Promise<{ release: () => Promise<void> }> {
  const path = join(dir, 'core.lock');
  const mine = `${path}.${process.pid}.${randomUUID()}`;
  await writeFile(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await place(mine, path);
        let released: Promise<void> | undefined;
        const release = async () => {
          if ((await holderOf(path)) === process.pid) await rm(path, { force: true });
        };
        return { release: () => (released ??= release()) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = await holderOf(path);
        if (holder && holder !== process.pid && alive(holder)) throw new DataDirLockedError(dir, holder);
        // Stale: its process is gone (or it is this process's own, left by a core never closed).
        if ((await holderOf(path)) === holder) await rm(path, { force: true });
      }
    }
    throw new Error(`Could not lock ${dir}: another process keeps taking its lock file (${path}).`);
  } finally {
    await rm(mine, { force: true });
  }
}
