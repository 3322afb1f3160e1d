import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { folderSettings } from '../../shared/contract.ts';
import { DEFAULT_FOLDER_SETTINGS, type WatchedFolder } from '../../shared/sync-types.ts';
import {
  checkMap,
  count,
  emptyMap,
  epochMs,
  isRecord,
  plural,
  someNames,
  type DocumentSchema,
} from '../store/document-schema.ts';
import { platformId } from '../queue/item-schema.ts';
import type { FileEntry } from './sync-ledger.ts';

/**
 * The schema of sync.json: watched folders and, per folder, what the app knows of each file.
 * Checked at load: a folder whose settings are damaged keeps its path with default settings for
 * what was unreadable; a file entry that cannot be read is dropped (the next scan looks at that
 * file again, and the upload ledger keeps it from being uploaded twice).
 */

const fileEntry = z.object({
  size: count,
  mtimeMs: z.number().finite(),
  state: z.enum(['queued', 'uploaded', 'failed', 'ignored', 'skipped', 'missing']),
  itemId: z.string().max(200).optional(),
  assetId: platformId.optional(),
  replaced: z.array(platformId).max(10_000).optional(),
  note: z.string().max(10_000).optional(),
});

/**
 * A path inside the watched folder: relative, without `..`. Anything else would make a scan hand
 * over a file outside the folder.
 */
function insideFolder(relativePath: string): boolean {
  return (
    relativePath.length > 0 &&
    !isAbsolute(relativePath) &&
    !/^[a-zA-Z]:/.test(relativePath) &&
    !relativePath.split(/[\\/]/).some((part) => part === '..' || part === '') &&
    !relativePath.includes('\0')
  );
}

const folderBase = z.object({
  id: z.string().min(1).max(200),
  path: z
    .string()
    .min(1)
    .max(4096)
    .refine((path) => isAbsolute(path), 'not an absolute path'),
  paused: z.boolean().catch(false),
  addedAt: epochMs.catch(0),
});

/** One folder: its identity must be readable; each setting falls back to its default on its own. */
function checkFolder(value: unknown, repaired: string[]): WatchedFolder | undefined {
  const base = folderBase.safeParse(value);
  if (!base.success || !isRecord(value)) return undefined;
  const folder: Record<string, unknown> = { ...base.data };
  const settings = folderSettings.shape;
  for (const key of Object.keys(DEFAULT_FOLDER_SETTINGS) as Array<keyof typeof settings>) {
    const parsed = settings[key].safeParse(value[key]);
    if (parsed.success && parsed.data !== undefined) folder[key] = parsed.data;
    else {
      folder[key] = structuredClone(DEFAULT_FOLDER_SETTINGS[key]);
      if (value[key] !== undefined) repaired.push(`${base.data.path}: ${key}`);
    }
  }
  return folder as unknown as WatchedFolder;
}

export type SyncData = {
  version: 1;
  folders: WatchedFolder[];
  files: Record<string, Record<string, FileEntry>>;
} & Record<string, unknown>;

export const syncSchema: DocumentSchema<SyncData> = {
  label: 'the watched folders (sync.json)',
  initial: () => ({ version: 1, folders: [], files: {} }),
  journal: { version: 1, folders: 1, files: 3 },
  check(raw, problems) {
    const folders: WatchedFolder[] = [];
    const repaired: string[] = [];
    if (Array.isArray(raw.folders)) {
      let dropped = 0;
      for (const value of raw.folders) {
        const folder = checkFolder(value, repaired);
        if (folder && !folders.some((f) => f.id === folder.id || f.path === folder.path))
          folders.push(folder);
        else dropped++;
      }
      if (dropped > 0)
        problems.push(
          `${plural(dropped, 'watched folder')} could not be read (or ${dropped === 1 ? 'was' : 'were'} listed twice) and ${dropped === 1 ? 'is' : 'are'} no longer watched: add ${dropped === 1 ? 'it' : 'them'} again`,
        );
    } else if (raw.folders !== undefined)
      problems.push('the list of watched folders was unreadable: add your folders again');
    if (repaired.length > 0) problems.push(`settings reset to their defaults: ${someNames(repaired)}`);

    const files = emptyMap<Record<string, FileEntry>>();
    const byFolder = isRecord(raw.files) ? raw.files : {};
    if (raw.files !== undefined && !isRecord(raw.files))
      problems.push(
        'what was known of the watched files was unreadable: the next scan looks at every file again',
      );
    for (const folder of folders)
      files[folder.id] = checkMap(
        byFolder[folder.id],
        'watched-file record',
        problems,
        (value, relativePath) => {
          if (!insideFolder(relativePath)) return { ok: false, reason: 'not a path inside the folder' };
          const parsed = fileEntry.safeParse(value);
          return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: 'unreadable' };
        },
        (_value, relativePath) => JSON.stringify(relativePath.slice(0, 120)),
      );
    return { ...raw, version: 1, folders, files };
  },
  kept: (data) => plural(data.folders.length, 'watched folder'),
};
