/**
 * What the core needs from its host, injected so that everything runs in plain Node tests:
 * the Electron app, the CLI and serve mode each pass their own implementations.
 */

import { formatLine } from './log/log-line.ts';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** For tests that assert on their own output only; a host passes a real logger. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The logger every part of the core uses when its host passes none (the one default: no part
 * defaults to silentLogger). Chatter is dropped, but warnings and errors always reach stderr,
 * redacted like every log line (log-line.ts), so a failure is never silent. Hosts pass a file
 * logger (core/log/file-logger.ts).
 */
export const defaultLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, fields) => console.error(`warning: ${formatLine(message, fields, [])}`),
  error: (message, fields) => console.error(`error: ${formatLine(message, fields, [])}`),
};

/** What the core asks of the Sandbox it is handed: where its API answers, and how to stop it. */
export interface RunningSandbox {
  /** The base URL a client needs (`http://127.0.0.1:PORT/v1.3`). */
  url: string;
  /** Where its control API (`/_emulator/*`) answers, for `npm run demo`'s sample assets. */
  origin: string;
  /** What was found damaged in its saved state, and what was done (said like other damage). */
  recovered?: string;
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** Its assets, blobs and sessions, kept across restarts. */
  dataDir: string;
  /** How long its assets stay "processing". */
  processingMs: number;
  /** The only key it accepts, on the API and on the control API alike (lockControl). */
  apiKey: string;
  lockControl: boolean;
}

/**
 * Starts the Sandbox (a local emulator of the API). The core never imports the emulator (a lint
 * rule refuses it): each front end hands this in, the emulator's own `startEmulator` fits it.
 */
export type StartSandbox = (options: SandboxOptions) => Promise<RunningSandbox>;

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
