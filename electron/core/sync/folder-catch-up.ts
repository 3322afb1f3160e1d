import type { WatchedFolder } from '../../shared/sync-types.ts';
import type { Logger } from '../ports.ts';
import { isKnown } from './folder-handover.ts';
import { scanFolder } from './folder-scan.ts';
import type { IgnoreRules } from './ignore-rules.ts';
import type { StableFile } from './stability-checker.ts';
import type { SyncLedger } from './sync-ledger.ts';

/** What the scans of a watched folder need from its runner. */
export interface ScanHost {
  readonly folder: WatchedFolder;
  readonly ignore: IgnoreRules;
  readonly ledger: SyncLedger;
  readonly logger: Logger;
  stopped(): boolean;
  /** A file to wait on until it is finished, unless the ledger has it already. */
  consider(path: string, file: StableFile): Promise<void>;
  problem(text: string): void;
  markMissing(relativePath: string): void;
  becomeUnavailable(): Promise<void>;
  changed(): void;
}

/**
 * Compares the whole folder with its ledger: new and changed files are considered, files the
 * ledger has that are gone are marked missing. `baseline`: what is there is recorded as skipped,
 * not uploaded (a folder added with "only new files"). A root that cannot be read makes the folder
 * unavailable.
 */
export async function catchUpScan(host: ScanHost, baseline: boolean): Promise<void> {
  const { folder, ledger } = host;
  const seen = new Set<string>();
  try {
    for await (const file of scanFolder(folder.path, {
      recursive: folder.recursive,
      ignored: (rel) => host.ignore.ignores(rel),
      onProblem: (path, code) => {
        if (path !== folder.path) host.problem(`${path} could not be read (${code}) and is skipped.`);
      },
    })) {
      if (host.stopped()) return;
      seen.add(file.relativePath);
      const entry = ledger.get(folder.id, file.relativePath);
      if (baseline && !entry) {
        ledger.set(folder.id, file.relativePath, {
          size: file.size,
          mtimeMs: file.mtimeMs,
          state: 'skipped',
          note: 'there before the folder was added',
        });
        continue;
      }
      // Unchanged since last time: not even re-hashed.
      if (isKnown(entry, file)) continue;
      await host.consider(file.path, file);
    }
  } catch (error) {
    // The root cannot be read (unmounted, removed): expected, the folder waits until it is back.
    const expected = isGoneError(error);
    host.logger[expected ? 'info' : 'warn']('watched folder scan stopped; folder unavailable', {
      folder: folder.path,
      error,
    });
    return host.becomeUnavailable();
  }
  for (const [rel, entry] of Object.entries(ledger.files(folder.id)))
    if (!seen.has(rel) && entry.state !== 'missing') host.markMissing(rel);
  await ledger.commit();
  host.changed();
}

/** Considers the files of one directory (and below, with `recursive`) that the ledger lacks. */
export async function scanPart(host: ScanHost, dir: string, recursive: boolean): Promise<void> {
  try {
    for await (const file of scanFolder(host.folder.path, {
      from: dir,
      recursive,
      ignored: (rel) => host.ignore.ignores(rel),
      onProblem: () => undefined, // the next full scan reports it
    })) {
      if (host.stopped()) return;
      await host.consider(file.path, file); // files the ledger already has are passed over there
    }
  } catch (error) {
    // Gone again already: its removal is its own event. Anything else is logged.
    if (!isGoneError(error))
      host.logger.warn('watched folder: a part could not be scanned', { path: dir, error });
  }
}

/** A path that is no longer there (or no longer a folder): what a watched tree does. */
function isGoneError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
