/**
 * tl-uploader: the command line. The same core as the desktop app, on the same data folder
 * (one process at a time), so a queue started here can be resumed in the app and back.
 * Errors are one clear line and a non-zero exit code; --json output is stable (see README).
 *
 * Order of checks, as gh and rclone do: the command and its options (usage, exit 2) before the
 * data folder is opened, and both before the API key is asked for. Each command is one file in
 * commands/, with its own options and help.
 */
import { resolve } from 'node:path';
import { InvalidRequestError } from '../shared/contract.ts';
import { AuthError, TwelveLabsError } from '../core/api/errors.ts';
import { DataDirLockedError } from '../core/data-dir-lock.ts';
import { createFileLogger } from '../core/log/file-logger.ts';
import { FileSecretStore } from '../core/secrets.ts';
import { FolderError } from '../core/sync/folder-sync.ts';
import { UploaderCore } from '../core/uploader-core.ts';
import { parseBandwidth } from './bandwidth-option.ts';
import {
  commandHelp,
  COMMON_HELP,
  EXIT,
  EXIT_HELP,
  NoKeyError,
  packageVersion,
  parseCommand,
  UsageError,
  type CommandSpec,
  type ParsedValues,
} from './command.ts';
import * as getCommand from './commands/get.ts';
import * as indexesCommand from './commands/indexes.ts';
import * as loginCommand from './commands/login.ts';
import * as lsCommand from './commands/ls.ts';
import * as resumeCommand from './commands/resume.ts';
import * as rmCommand from './commands/rm.ts';
import * as serveCommand from './commands/serve.ts';
import * as uploadCommand from './commands/upload.ts';
import * as watchCommand from './commands/watch.ts';
import { defaultDataDir } from '../core/data-dir.ts';
import { Interrupted } from './follow.ts';
import { ensureRendererBuilt } from './renderer-build.ts';

/** Commands that open the data folder and run on the core. */
const CORE_COMMANDS = {
  upload: uploadCommand,
  resume: resumeCommand,
  watch: watchCommand,
  ls: lsCommand,
  get: getCommand,
  rm: rmCommand,
  serve: serveCommand,
  indexes: indexesCommand,
} as const;

interface CommandModule {
  spec: CommandSpec;
  check(positionals: string[], values: ParsedValues): void;
}
const ALL: Record<string, CommandModule | undefined> = { ...CORE_COMMANDS, login: loginCommand };

const overview = () => `Usage: tl-uploader <command> [options]

Commands:
${Object.values(ALL)
  .map((c) => `  ${c!.spec.name.padEnd(10)} ${c!.spec.summary}`)
  .join('\n')}
  emulator   run the local TwelveLabs API emulator (see tl-uploader emulator --help)

Run \`tl-uploader <command> --help\` for a command's own options.

${COMMON_HELP}
  --version              print the version

Environment: TWELVELABS_API_KEY (wins over a stored key), TWELVELABS_BASE_URL, TL_UPLOADER_DATA_DIR.
${EXIT_HELP}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(overview());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const about = rest[0] !== undefined && Object.hasOwn(ALL, rest[0]) ? ALL[rest[0]] : undefined;
    console.log(about ? commandHelp(about.spec) : overview());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(`tl-uploader ${packageVersion()}`);
    return EXIT.ok;
  }
  if (name === 'emulator') {
    process.argv.splice(2, 1);
    await import('../../emulator/cli.ts');
    return -1; // keeps running
  }
  const command = Object.hasOwn(ALL, name) ? ALL[name] : undefined;
  if (!command)
    throw new UsageError(
      name.startsWith('-')
        ? `${name}: options go after the command, e.g. tl-uploader upload clip.mp4 ${name}. Run tl-uploader --help.`
        : `Unknown command "${name}". Run tl-uploader --help.`,
    );
  const { values, positionals } = parseCommand(command.spec, rest);
  if (values.help) {
    console.log(commandHelp(command.spec));
    return EXIT.ok;
  }
  const bwlimit = values.bwlimit === undefined ? undefined : parseBandwidth(values.bwlimit);
  if (values.bwlimit !== undefined && bwlimit === undefined)
    throw new UsageError(
      `--bwlimit ${values.bwlimit}: give bytes per second as a number with k, M or G (500k, 2M), or off.`,
    );
  command.check(positionals, values);

  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const secrets = new FileSecretStore(dataDir);
  if (command.spec.name === 'login') return loginCommand.run(secrets);
  if (command.spec.name === 'serve') await ensureRendererBuilt();

  // --verbose: the desktop app's log file and format (core/log/file-logger.ts), info on stderr.
  const key = values.verbose ? await secrets.get() : undefined;
  const logger = values.verbose
    ? createFileLogger({ dataDir, level: 'debug', consoleLevel: 'info', secrets: () => [key] })
    : undefined;
  logger?.info(`tl-uploader ${packageVersion()} ${command.spec.name}`, { dataDir, args: rest });
  const core = await UploaderCore.create({
    dataDir,
    secrets,
    ...(logger && { logger }),
    version: packageVersion(),
    // The Sandbox is loaded only when it is on (--sandbox or saved): other commands start lighter.
    startSandbox: async (options) => (await import('../../emulator/index.ts')).startEmulator(options),
    overrides: {
      ...(process.env.TWELVELABS_BASE_URL && { baseUrl: process.env.TWELVELABS_BASE_URL }),
      ...(values.sandbox && { sandbox: true }),
      ...(bwlimit !== undefined && { bandwidthBytesPerSecond: bwlimit }),
    },
  });
  try {
    // Damage found in the data folder (issue 13): one line each on stderr, the command still
    // runs, and the exit code says it (6) unless the command failed on its own. Keep this hook.
    for (const problem of core.dataProblems()) console.error(`tl-uploader: ${problem}`);
    if (command.spec.needsKey && !core.settings().sandbox && !core.settings().apiKeySet)
      throw new NoKeyError();
    const run = CORE_COMMANDS[command.spec.name as keyof typeof CORE_COMMANDS].run as (
      core: UploaderCore,
      positionals: string[],
      values: ParsedValues,
    ) => Promise<number>;
    const code = await run(core, positionals, values);
    logger?.info(`tl-uploader ${command.spec.name} ends with exit code ${code}`);
    return code === EXIT.ok && core.dataProblems().length > 0 ? EXIT.damaged : code;
  } finally {
    await core.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof InvalidRequestError || error instanceof FolderError) {
      console.error(`tl-uploader: ${error.message}`);
      process.exit(EXIT.usage);
    }
    if (error instanceof NoKeyError) {
      console.error(`tl-uploader: ${error.message}`);
      process.exit(EXIT.auth);
    }
    if (error instanceof AuthError) {
      console.error(
        'tl-uploader: TwelveLabs refused the API key. Run `tl-uploader login` with a valid key, or set TWELVELABS_API_KEY.',
      );
      process.exit(EXIT.auth);
    }
    if (error instanceof DataDirLockedError) {
      console.error(`tl-uploader: ${error.message}`);
      process.exit(EXIT.locked);
    }
    if (error instanceof Interrupted) {
      console.error(`tl-uploader: ${error.message}`);
      process.exit(EXIT.interrupted);
    }
    if (error instanceof TwelveLabsError) {
      console.error(`tl-uploader: ${error.message}`);
      process.exit(EXIT.error);
    }
    console.error(`tl-uploader: ${(error as Error)?.message ?? String(error)}`);
    process.exit(EXIT.error);
  },
);
