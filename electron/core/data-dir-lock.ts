import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** This boot of the machine (Linux): a lock written before a restart is stale, whatever its PID. */
const BOOT_ID = (() => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined; // not Linux: the PID checks alone decide
  }
})();

/** What the lock file says: `<pid>` and, on Linux, `boot <boot id>` on a line of its own. */
function lockText(): string {
  return `${process.pid}\n${BOOT_ID ? `boot ${BOOT_ID}\n` : ''}`;
}

interface Holder {
  /** 0 when the file names no process (junk, empty): it is nobody's, and taken over. */
  pid: number;
  /** The file's text as read: a takeover removes the lock only if it still says exactly this. */
  text: string;
  boot?: string;
}

async function holderOf(path: string): Promise<Holder> {
  // Released meanwhile, or unreadable: it names no process then, and the takeover re-checks it.
  const text = await readFile(path, 'utf8').catch(() => '');
  const [first = '', ...rest] = text.split('\n');
  const pid = /^\s*\d{1,10}\s*$/.test(first) ? Number(first) : 0;
  const boot = rest
    .find((line) => line.startsWith('boot '))
    ?.slice(5)
    .trim();
  return { pid, text, ...(boot && { boot }) };
}

/**
 * Whether the process the lock names still holds it: alive, started in this boot, and (where
 * /proc tells) a Node or Electron process. A PID reused after a crash or a restart by another
 * program (a shell, the init process) must not keep the data folder locked for ever.
 */
function holds(holder: Holder): boolean {
  if (!holder.pid || holder.pid === process.pid || !alive(holder.pid)) return false;
  if (holder.boot && BOOT_ID && holder.boot !== BOOT_ID) return false;
  let command: string;
  try {
    command = readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').toLowerCase();
  } catch {
    return true; // not Linux, or not ours to read: alive is all we know
  }
  return !command || /node|electron|tl-uploader|tl uploader/.test(command);
}

/** Puts the lock file in place, or fails with EEXIST when one is there. */
async function place(written: string, path: string): Promise<void> {
  try {
    await link(written, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
    // A filesystem without hard links (FAT, some network shares): create-exclusive, then write.
    await writeFile(path, lockText(), { flag: 'wx', mode: 0o600 });
  }
}

/**
 * The first write into the data folder failed: said as what it means for the person (their
 * queue cannot be kept there), not as the path of a lock file they never heard of.
 */
function unwritable(dir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'its disk is full'
      : code === 'EROFS'
        ? 'its disk is read-only'
        : code === 'EACCES' || code === 'EPERM'
          ? 'you may not write there'
          : (error as Error).message;
  return Object.assign(
    new Error(
      `The data folder ${dir} cannot be written (${code ?? 'error'}: ${why}). TL Uploader keeps its queue there: free some space, fix its permissions, or use another data folder (TL_UPLOADER_DATA_DIR, --data-dir).`,
      { cause: error },
    ),
    code ? { code } : {},
  );
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
async function takeOver(path: string, holder: Holder): Promise<void> {
  const claim = `${path}.takeover`;
  try {
    await link(path, claim);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // gone already: place ours
    if (code !== 'EEXIST') {
      // A filesystem without hard links: remove it if it is still the dead holder's.
      if ((await holderOf(path)).text === holder.text) await rm(path, { force: true });
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
    if ((await holderOf(claim)).text === holder.text) await rm(path, { force: true });
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
  await writeFile(mine, lockText(), { mode: 0o600 }).catch((error: unknown) => {
    throw unwritable(dir, error);
  });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        await place(mine, path);
        let released: Promise<void> | undefined;
        const release = async () => {
          if ((await holderOf(path)).pid === process.pid) await rm(path, { force: true });
        };
        return { release: () => (released ??= release()) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = await holderOf(path);
        if (holds(holder)) throw new DataDirLockedError(dir, holder.pid);
        // Stale: its process is gone, it names none (junk), its PID is now another program's, or
        // it is this process's own, left by a core never closed.
        await takeOver(path, holder);
        if (attempt > 0) await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    throw new Error(`Could not lock ${dir}: another process keeps taking its lock file (${path}).`);
  } finally {
    await rm(mine, { force: true });
  }
}
