import type { WatchedFolder } from '../../shared/sync-types.ts';
import type { Logger } from '../ports.ts';
import { isKnown } from './ledger-entries.ts';
import { scanBatches } from './folder-scan.ts';
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
  consider(path: string, file: StableFile & { rel: string }): Promise<void>;
  /** Resolves when the hand-over has room for more files (a scan lists no faster than that). */
  handOverRoom(): Promise<void>;
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
  // What is seen, to mark what is not as missing: nothing to mark when the ledger had nothing
  // (a first scan), so no set of 100,000 paths either.
  const tally = ledger.counts(folder.id);
  const seen = Object.values(tally).some((n) => n > 0) ? new Set<string>() : undefined;
  try {
    for await (const batch of scanBatches(folder.path, {
      recursive: folder.recursive,
      ignore: host.ignore,
      onProblem: (path, code) => {
        if (path === folder.path) return;
        host.problem(
          code === 'EILSEQ'
            ? `${path}: its name is not valid UTF-8, so it cannot be uploaded; rename it to upload it.`
            : `${path} could not be read (${code}) and is skipped.`,
        );
      },
    })) {
      for (const [i, rel] of batch.rels.entries()) {
        if (host.stopped()) return;
        seen?.add(rel);
        const entry = ledger.get(folder.id, rel);
        const file = { size: batch.sizes[i]!, mtimeMs: batch.mtimes[i]!, rel };
        if (baseline && !entry) {
          ledger.set(folder.id, rel, {
            size: file.size,
            mtimeMs: file.mtimeMs,
            state: 'skipped',
            note: 'there before the folder was added',
          });
          continue;
        }
        // Unchanged since last time: not even re-hashed.
        if (isKnown(entry, file)) continue;
        await host.consider(batch.paths[i]!, file);
      }
      await host.handOverRoom();
    }
  } catch (error) {
    // The scan thread itself failed: not the folder's absence, the scope reports it.
    if (!(error as NodeJS.ErrnoException).code) throw error;
    // The root cannot be read (unmounted, removed): expected, the folder waits until it is back.
    const expected = isGoneError(error);
    host.logger[expected ? 'info' : 'warn']('watched folder scan stopped; folder unavailable', {
      folder: folder.path,
      error,
    });
    return host.becomeUnavailable();
  }
  if (seen)
    for (const [rel, entry] of Object.entries(ledger.files(folder.id)))
      if (!seen.has(rel) && entry.state !== 'missing') host.markMissing(rel);
  await ledger.commit();
  host.changed();
}

/** Considers the files of one directory (and below, with `recursive`) that the ledger lacks. */
export async function scanPart(host: ScanHost, dir: string, recursive: boolean): Promise<void> {
  try {
    for await (const batch of scanBatches(host.folder.path, {
      from: dir,
      recursive,
      ignore: host.ignore,
      onProblem: () => undefined, // the next full scan reports it
    }))
      for (const [i, rel] of batch.rels.entries()) {
        if (host.stopped()) return;
        // Files the ledger already has are passed over there.
        await host.consider(batch.paths[i]!, { size: batch.sizes[i]!, mtimeMs: batch.mtimes[i]!, rel });
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
