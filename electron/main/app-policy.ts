/**
 * The desktop app's decisions, pure and unit-tested (main.ts only carries them out): what closing
 * the window does, when quitting must ask first, which command-line arguments are files to add.
 */
import { isAbsolute, resolve } from 'node:path';
import { countWhere, isUnderWay } from '../shared/item-state.ts';
import type { QueueTotals } from '../shared/queue-types.ts';
import { isBusy } from './tray-state.ts';

/**
 * Closing the window while uploads run hides it to the tray (uploads go on) instead of stopping
 * them. Without a tray to come back from, it asks to quit instead (the quit question) rather than
 * leaving an invisible app uploading. Otherwise, and always once the app is quitting, it closes.
 */
export function closeAction(s: {
  quitting: boolean;
  hasTray: boolean;
  totals: QueueTotals | undefined;
}): 'close' | 'hide' | 'quit' {
  if (s.quitting || !s.totals || !isBusy(s.totals)) return 'close';
  return s.hasTray ? 'hide' : 'quit';
}

/** The question "Quit" asks when it would interrupt uploads, or undefined when nothing is lost. */
export function quitQuestion(t: QueueTotals | undefined): { message: string; detail: string } | undefined {
  if (!t || !isBusy(t)) return undefined;
  const n = countWhere(t.byState, isUnderWay);
  return {
    message: `Quit while ${n} upload${n === 1 ? ' is' : 's are'} in progress?`,
    detail:
      'Uploads stop now and continue from where they were the next time TL Uploader starts. Large files resume by the chunk; small ones start again.',
  };
}

/**
 * The files in a command line (a second launch, "Open with" on Windows and Linux): what follows
 * the executable (and, unpackaged, the script), without Chromium's and our switches, resolved
 * against the launching process's working folder.
 */
export function filesFromArgv(
  argv: readonly string[],
  options: { packaged: boolean; cwd: string },
): string[] {
  const args = argv.slice(options.packaged ? 1 : 2);
  const files: string[] = [];
  for (const arg of args) {
    if (arg === '' || arg.startsWith('-')) continue;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) continue; // a URL, not a file
    files.push(isAbsolute(arg) ? arg : resolve(options.cwd, arg));
  }
  return files;
}
