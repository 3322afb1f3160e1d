import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/** A folder that cannot be watched or previewed as asked; the message says why, for the person. */
export class FolderError extends Error {}

/** `path` made absolute, once it is known to be a folder that exists (else a FolderError saying so). */
export async function existingFolder(path: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined; // said just below
    throw new FolderError(`${absolute} cannot be read (${error.code ?? error.message}).`);
  });
  if (!info) throw new FolderError(`${absolute} does not exist.`);
  if (!info.isDirectory()) throw new FolderError(`${absolute} is a file, not a folder.`);
  return absolute;
}

/** Whether `path` is a folder now (false when it is gone or cannot be read). */
export function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
