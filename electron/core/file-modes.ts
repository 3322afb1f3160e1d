import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, parse, resolve } from 'node:path';
import type { Logger } from './ports.ts';

/**
 * The data folder holds the queue, the library, the staged and uploaded media and (CLI, serve)
 * the API key: readable by the person's user only. Modes are given at creation (a `mode` is
 * only ever narrowed by the umask, never widened), and a folder made by an older version, which
 * left 0755/0644 behind, is narrowed once.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** The group/other bits: none may be set on anything in the data folder. */
const SHARED_BITS = 0o077;
/** The sticky bit: set on folders every user shares, such as /tmp. */
const STICKY = 0o1000;

/** What the app keeps at the top of a data folder: narrowed when an older version left it open. */
const OWN_DIRS = new Set(['account', 'sandbox', 'staging', 'logs']);
const OWN_FILE = /^(core\.lock|\.hide-to-tray-noticed|.*\.(json|journal|bin|log))$/;

/**
 * Makes `dir` (and missing parents) 0700. When `dir` itself was not private, an older version
 * made it: what the app keeps in it is narrowed too (dirs 0700, files 0600). Entries the app
 * does not know (someone pointed --data-dir at a folder with other things in it) are left alone.
 */
export async function ensurePrivateDir(dir: string, logger?: Logger): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // Windows has no mode bits (ACLs decide, and the profile folder is the user's already).
  if (process.platform === 'win32') return;
  const info = await stat(dir);
  if ((info.mode & SHARED_BITS) === 0) return;
  const absolute = resolve(dir);
  // --data-dir ~ : closing the home folder to others could break what else lives there. A
  // sticky folder (/tmp, /var/tmp) is shared by design: 0700 would lock every other user and
  // service out of it (and drop its sticky bit), which root, for one, would be allowed to do.
  if ((info.mode & STICKY) !== 0) {
    logger?.warn(
      `The data folder ${dir} is a folder every user shares: it is left as it is, and what the app keeps in it is private, but choose a folder of its own.`,
    );
    return;
  }
  if (absolute === resolve(homedir()) || absolute === parse(absolute).root) {
    logger?.warn(`The data folder ${dir} is readable by other users; choose a folder of its own.`);
    return;
  }
  try {
    await chmod(dir, PRIVATE_DIR_MODE);
    let narrowed = 0;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && OWN_DIRS.has(entry.name)) {
        await chmod(path, PRIVATE_DIR_MODE);
        narrowed += 1 + (await narrowTree(path));
      } else if (entry.isFile() && OWN_FILE.test(entry.name)) {
        await chmod(path, PRIVATE_FILE_MODE);
        narrowed++;
      }
    }
    logger?.info(`Data folder ${dir} made private to this user (${narrowed} entries narrowed).`);
  } catch (error) {
    // A filesystem without modes (FAT, some network shares) or another owner: the app still runs.
    logger?.warn(
      `The data folder ${dir} could not be made private to this user (${(error as Error).message}); other users may read it.`,
    );
  }
}

/** Narrows every dir to 0700 and file to 0600 below `dir`; symlinks are left alone (not followed). */
async function narrowTree(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      await chmod(path, PRIVATE_DIR_MODE);
      count += 1 + (await narrowTree(path));
    } else if (entry.isFile()) {
      await chmod(path, PRIVATE_FILE_MODE);
      count++;
    }
  }
  return count;
}
