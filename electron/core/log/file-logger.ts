/**
 * The log file: one line per event in `<data folder>/logs/tl-uploader.log`, rotated at 5 MB (the
 * previous file is kept as `tl-uploader.old.log`), written by electron-log's file transport.
 * The desktop app always writes it; the CLI does with `--verbose`, in the same format.
 *
 * Nothing secret reaches it: fields whose names say key/token/secret/password/authorization are
 * replaced, the API key is cut out of any text, and URL queries (presigned storage URLs carry
 * their credentials there) are dropped, with the same rules as API errors (api/redact.ts).
 */
import electronLog from 'electron-log/node';
import { join } from 'node:path';
import type { Logger } from '../ports.ts';
import { formatLine } from './log-line.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface FileLoggerOptions {
  /** The data folder; the file goes in its `logs` folder. */
  dataDir: string;
  /** Lowest level written to the file (default info; the CLI's --verbose gives debug). */
  level?: LogLevel;
  /** Also write this level and above to stderr (default: nothing). */
  consoleLevel?: LogLevel | false;
  /** The secrets to cut out of every line (the API key, read when a line is written). */
  secrets?: () => readonly (string | undefined)[];
  /** Rotation size in bytes (default 5 MB). */
  maxBytes?: number;
}

export interface FileLogger extends Logger {
  readonly path: string;
}

const LINE_FORMAT = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}] [{level}] {text}';
let instances = 0;

export function logFilePath(dataDir: string): string {
  return join(dataDir, 'logs', 'tl-uploader.log');
}

export function createFileLogger(options: FileLoggerOptions): FileLogger {
  const path = logFilePath(options.dataDir);
  const log = electronLog.create({ logId: `tl-uploader-${++instances}` });
  // electron-log drops its own failures silently (a created logger has no internal error
  // handler): say them on stderr. Its app name is ours, not looked up from a package.json
  // (there is none in the folder the CLI runs from, and then nothing was written at all).
  (log as unknown as { processInternalErrorFn: (error: unknown) => void }).processInternalErrorFn = (error) =>
    console.error('The log file could not be written:', error);
  log.transports.file.setAppName('TL Uploader');
  log.transports.file.resolvePathFn = () => path;
  log.transports.file.format = LINE_FORMAT;
  log.transports.file.level = options.level ?? 'info';
  log.transports.file.maxSize = options.maxBytes ?? 5 * 1024 * 1024;
  // Only the person who owns the data folder reads its logs (paths and file names are private).
  log.transports.file.writeOptions = { flag: 'a', mode: 0o600, encoding: 'utf8' };
  // Our own stderr echo instead of electron-log's console transport, which writes info to stdout
  // (the CLI's stdout is for its output, --json included).
  log.transports.console.level = false;
  // No renderer or remote endpoint receives our logs (these transports exist only in some flavours).
  for (const name of ['ipc', 'remote']) if (log.transports[name]) log.transports[name].level = false;
  const secrets = () =>
    (options.secrets?.() ?? []).filter((s): s is string => typeof s === 'string' && s.length > 0);
  const echoFrom = options.consoleLevel ? LEVELS.indexOf(options.consoleLevel) : Infinity;
  const write = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    const line = formatLine(message, fields, secrets());
    log[level](line);
    if (LEVELS.indexOf(level) >= echoFrom) process.stderr.write(`${level}: ${line}\n`);
  };
  return { path, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
