import { opendir } from 'node:fs/promises';
import { join } from 'node:path';

/** Files nobody means to upload: dotfiles and OS clutter. */
export function isHiddenOrSystem(name: string): boolean {
  return name.startsWith('.') || /^(thumbs\.db|desktop\.ini|~\$.*)$/i.test(name);
}

/**
 * Every regular file under a folder, recursively, hidden and system files skipped. One directory
 * handle open at a time (no EMFILE); unreadable sub-folders are reported and skipped.
 */
export async function* walkFiles(
  root: string,
  onSkip?: (path: string, reason: string) => void,
): AsyncGenerator<string> {
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let handle;
    try {
      handle = await opendir(dir);
    } catch (error) {
      onSkip?.(dir, (error as NodeJS.ErrnoException).code ?? 'unreadable');
      continue;
    }
    const subdirs: string[] = [];
    for await (const entry of handle) {
      if (isHiddenOrSystem(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) subdirs.push(path);
      else if (entry.isFile()) yield path;
    }
    pending.push(...subdirs.sort().reverse());
  }
}
