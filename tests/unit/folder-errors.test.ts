/**
 * Adding a folder that cannot be read said "does not exist" whatever stat answered (its error was
 * swallowed): now only a missing path says so, and any other failure names its code. A link to
 * itself stands in for "cannot be read" (ELOOP even for root, which no chmod gives).
 */
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { existingFolder, FolderError } from '../../electron/core/sync/folder-errors.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

let dir: string;
useTempDirPerTest((path) => (dir = path));

it('tells a missing folder from one that cannot be read, and from a file', async () => {
  const loop = join(dir, 'loop');
  await symlink(loop, loop);
  await expect(existingFolder(loop)).rejects.toThrow(new FolderError(`${loop} cannot be read (ELOOP).`));
  const missing = join(dir, 'missing');
  await expect(existingFolder(missing)).rejects.toThrow(new FolderError(`${missing} does not exist.`));
  const file = join(dir, 'file.txt');
  await writeFile(file, 'x');
  await expect(existingFolder(file)).rejects.toThrow(`${file} is a file, not a folder.`);
  await expect(existingFolder(dir)).resolves.toBe(dir);
});
