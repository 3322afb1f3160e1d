import { basename } from 'node:path';
import {
  DEFAULT_FOLDER_SETTINGS,
  type FolderPreview,
  type WatchedFolderSettings,
} from '../../shared/sync-types.ts';
import { detectType, readHeader } from '../media/detect-type.ts';
import { scanBatches } from './folder-scan.ts';
import { existingFolder } from './folder-errors.ts';
import { IgnoreRules } from './ignore-rules.ts';

/**
 * How long a preview counts before it answers with what it has. A person waits for it before
 * they add the folder; on a huge share "at least 80,000 files" in seconds beats the exact figure
 * in a minute.
 */
export const PREVIEW_BUDGET_MS = 5_000;

/**
 * Counts what watching `path` with `settings` would upload at the first scan, by the same rules
 * the folder will use (sub-folders, ignore patterns, kinds recognised from the bytes), so that
 * nobody adds a folder of 50,000 files by surprise. Reads the first bytes of each file, nothing
 * more; hashes nothing, so files uploaded before (from elsewhere) are still counted.
 */
export async function previewFolder(
  path: string,
  settings: Partial<WatchedFolderSettings> = {},
  budgetMs = PREVIEW_BUDGET_MS,
): Promise<FolderPreview> {
  const folder = { ...DEFAULT_FOLDER_SETTINGS, ...settings };
  const root = await existingFolder(path);
  const ignore = new IgnoreRules(folder.ignore);
  const preview: FolderPreview = {
    files: 0,
    bytes: 0,
    byKind: {},
    skipped: 0,
    unreadable: 0,
    complete: true,
  };
  const deadline = Date.now() + budgetMs;
  let ignored = 0;
  scan: for await (const batch of scanBatches(root, {
    recursive: folder.recursive,
    ignore,
    onProblem: (problemPath) => {
      if (problemPath !== root) preview.unreadable++;
    },
  })) {
    ignored += batch.ignored;
    for (const [i, path] of batch.paths.entries()) {
      const file = { path, size: batch.sizes[i]! };
      if (Date.now() > deadline) {
        preview.complete = false;
        break scan;
      }
      // A preview is an estimate: a header that cannot be read (gone, no permission) counts as skipped.
      // With its name: a document is one only when its extension matches its content.
      const type = await readHeader(file.path).then(
        (head) => detectType(head, basename(file.path)),
        () => undefined,
      );
      if (!type || !folder.kinds.includes(type.kind)) {
        preview.skipped++;
        continue;
      }
      const kind = (preview.byKind[type.kind] ??= { files: 0, bytes: 0 });
      kind.files++;
      kind.bytes += file.size;
      preview.files++;
      preview.bytes += file.size;
    }
  }
  // Ignored folders count as one entry each: their contents were never listed.
  preview.skipped += ignored;
  return preview;
}
