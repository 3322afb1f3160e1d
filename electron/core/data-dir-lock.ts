import { randomUUID } from 'node:crypto';
import { link, readFile, rm, stat, writeFile } from 'node:fs/promises';
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

/** A takeover left behind by a process that died in its middle is given up after this. */
const TAKEOVER_STALE_MS = 10_000;
/** How often, and how long, to look again while another process takes a stale lock over. */
const RETRY_MS = 25;
const ATTEMPTS = 200;

/**
 * Removes the lock of a dead `holder`, unless another process is doing so at the same moment.
 * Only one process can hold the takeover name (a hard link to the lock it claims, made
 * atomically), and it removes the lock only if what it claimed is the dead holder's: two
 * processes that found the same stale lock never remove the lock one of them just placed.
 */
async function takeOver(path: string, holder: number): Promise<void> {
  const claim = `${path}.takeover`;
  try {
    await link(path, claim);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // gone already: place ours
    if (code !== 'EEXIST') {
      // A filesystem without hard links: remove it if it is still the dead holder's.
      if ((await holderOf(path)) === holder) await rm(path, { force: true });
      return;
    }
    // ctime, not mtime: the claim is the stale lock's own inode (old mtime); linking it set ctime.
    const since = await stat(claim).then(
      (s) => Date.now() - s.ctimeMs,
      () => 0,
    );
    if (since > TAKEOVER_STALE_MS) await rm(claim, { force: true }); // its taker died midway
    return;
  }
  try {
    if ((await holderOf(claim)) === holder) await rm(path, { force: true });
  } finally {
    await rm(claim, { force: true });
  }
}

/**
 * One process per data directory: two cores on one queue would upload everything twice. The lock
 * file names its holder; a lock left by a process that died (a crash) is taken over.
 *
 * The file appears with its content at once (written aside, then hard-linked into place, which
 * fails if a lock exists): a second process starting at the same moment never reads an empty
 * lock and takes it for a stale one. Release removes the file only while it still names this
 * process, and only once, so a late or repeated release never frees another process's lock.
 * A stale lock is taken over by one process at a time (takeOver).
 */
export async function lockDataDir(dir: string): Promise<{ release: () => Promise<void> }> {
  const path = join(dir, 'core.lock');
  const mine = `${path}.${process.pid}.${randomUUID()}`;
  await writeFile(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
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
        await takeOver(path, holder);
        if (attempt > 0) await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    throw new Error(`Could not lock ${dir}: another process keeps taking its lock file (${path}).`);
  } finally {
    await rm(mine, { force: true });
  }
}
