import { realpath } from 'node:fs/promises';
import { excludedFolders, excludedIdentities } from './folder-guards.ts';
import type { IgnoreRules } from './ignore-rules.ts';
import { scanInThread, type ScanBatch } from './scan-client.ts';

export interface ScannedFile {
  path: string;
  /** With "/" separators, whatever the OS. */
  relativePath: string;
  size: number;
  mtimeMs: number;
}

export interface ScanOptions {
  /** Start below the root (relative paths stay relative to the root). */
  from?: string;
  recursive: boolean;
  /** The folder's ignore rules: ignored folders are not even entered. */
  ignore?: IgnoreRules;
  /** A test of each file's relative path on this side, after the rules above. */
  ignored?: (relativePath: string) => boolean;
  onProblem: (path: string, code: string) => void;
}

/**
 * Lists a watched folder, a batch of files at a time, in the scan thread (scan-worker.mjs): the
 * main thread only gets the answers. Unreadable sub-folders and files are reported and skipped;
 * a start that cannot be read throws. The app's data folder (folder-guards.ts) is never entered,
 * whatever path leads to it: symlinks are not followed below the start, and the start is taken
 * by its real path.
 */
export async function* scanBatches(root: string, options: ScanOptions): AsyncGenerator<ScanBatch> {
  const start = options.from ?? root;
  const realStart = await realpath(start).catch(() => start); // unreadable: the scan says so
  try {
    for await (const batch of scanInThread({
      root,
      start,
      realStart,
      recursive: options.recursive,
      names: options.ignore?.nameSources() ?? [],
      paths: options.ignore?.pathSources() ?? [],
      excluded: excludedFolders(),
      excludedIds: excludedIdentities(),
    })) {
      for (const [path, code] of batch.problems) options.onProblem(path, code);
      yield batch;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code) options.onProblem(start, code);
    throw error;
  }
}

/** The same, a file at a time (the preview, tests). */
export async function* scanFolder(root: string, options: ScanOptions): AsyncGenerator<ScannedFile> {
  for await (const batch of scanBatches(root, options))
    for (const [i, relativePath] of batch.rels.entries()) {
      if (options.ignored?.(relativePath)) continue;
      yield { path: batch.paths[i]!, relativePath, size: batch.sizes[i]!, mtimeMs: batch.mtimes[i]! };
    }
}
