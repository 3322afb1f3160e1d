/**
 * What every tl-uploader command shares: the exit codes, the usage error, the options every
 * command takes, and the per-command option parser. Each command lives in commands/<name>.ts with
 * its own options, so `ls --hls` is a usage error (exit 2), not silently ignored.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { APP_VERSION } from '../shared/app-version.ts';

/** The documented exit codes (README, `tl-uploader --help`). */
export const EXIT = {
  ok: 0,
  incomplete: 1,
  usage: 2,
  auth: 3,
  locked: 4,
  error: 5,
  damaged: 6,
  /** Ctrl-C (128 + SIGINT, as shells report it): the queue is saved. */
  interrupted: 130,
} as const;

/** A mistake in how the command was called: one line on stderr, exit 2. */
export class UsageError extends Error {}

/** No key at all (not a refused one): exit 3, with what to do. */
export class NoKeyError extends Error {
  constructor() {
    super(
      'No API key: run `tl-uploader login`, set TWELVELABS_API_KEY, or add --sandbox to try the built-in Sandbox.',
    );
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Taken by every command that opens the data folder. */
export const COMMON_OPTIONS = {
  sandbox: { type: 'boolean' },
  'data-dir': { type: 'string' },
  bwlimit: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const COMMON_HELP = `Options for every command:
  --sandbox              use the built-in Sandbox instead of your TwelveLabs account
  --data-dir DIR         data folder (default: TL_UPLOADER_DATA_DIR or the platform's app-data folder)
  --bwlimit RATE         upload at most RATE bytes per second for this run, e.g. 500k, 2M, 1.5M, off;
                         replaces the saved limit and schedule (the app's Settings) until it exits
  --verbose              say what happens on stderr, and keep it in the data folder's log file
                         (logs/tl-uploader.log, the desktop app's format; the key is never in it)
  -h, --help             this command's help`;

export const EXIT_HELP =
  'Exit codes: 0 ok, 1 some items did not end ready (or an asset was not found), 2 usage,\n' +
  '3 no API key or the key was refused, 4 data folder in use, 5 other error,\n' +
  '6 the data folder was damaged: the command ran, but something saved was lost (said on stderr),\n' +
  '130 stopped with Ctrl-C (what was not finished stays in the queue: tl-uploader resume).';

/** Values every command gets, whatever its own options. */
export interface CommonValues {
  sandbox?: boolean;
  'data-dir'?: string;
  bwlimit?: string;
  verbose?: boolean;
  help?: boolean;
}

export interface CommandSpec {
  name: string;
  /** One line for the overview. */
  summary: string;
  /** The usage line and this command's own options, for `tl-uploader <name> --help`. */
  help: string;
  options: Options;
  /** Commands that reach TwelveLabs need a key (or --sandbox); `serve` asks for it in the page. */
  needsKey: boolean;
}

export type ParsedValues = Record<string, string | boolean | undefined>;

/**
 * Parses one command's arguments strictly: an unknown option or a missing value is a UsageError
 * that names the option and points at the command's help.
 */
export function parseCommand(
  spec: CommandSpec,
  args: string[],
): { values: ParsedValues & CommonValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...spec.options, ...COMMON_OPTIONS },
    });
    return { values: values as ParsedValues & CommonValues, positionals };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw error;
    // Node's messages end with advice for developers ("To specify a positional argument…"):
    // keep the first sentence, then say where the options are listed.
    const first = (error as Error).message.split(/\.\s/)[0]!.replace(/\.$/, '');
    throw new UsageError(`${spec.name}: ${first}. Run \`tl-uploader ${spec.name} --help\` for its options.`);
  }
}

/** The help text of one command. */
export function commandHelp(spec: CommandSpec): string {
  return `${spec.help}\n\n${COMMON_HELP}\n\n${EXIT_HELP}`;
}

/** package.json's version (read in one place: shared/app-version.ts): `--version` prints it. */
export function packageVersion(): string {
  return APP_VERSION;
}
