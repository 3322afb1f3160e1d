import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import type { Logger } from '../../electron/core/ports.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from './emulator-control.ts';
import { makeTempDir } from './temp-dir.ts';

// What the API client's tests (api-client*.test.ts) share: an emulator per file, reset before
// each test, a client on it whose log lines are kept, and after every test the check that
// neither the key nor a presigned query string reached a log line.

export const API_KEY = 'tlk_secret_key_for_tests';
const FAST_BACKOFF = { maxAttempts: 5, maxTotalMs: 60_000, baseDelayMs: 50, maxDelayMs: 500 };

export interface ClientEmulator {
  emulator: RunningEmulator;
  control: EmulatorControl;
  client: UndiciTwelveLabsClient;
  /** A temporary folder for the test's files, removed after the file. */
  dir: string;
  /** Every line the clients logged during the current test. */
  logLines: string[];
  logger: Logger;
  /** A client on the emulator with fast retries, logging to logLines. */
  makeClient(
    overrides?: Partial<ConstructorParameters<typeof UndiciTwelveLabsClient>[0]>,
  ): UndiciTwelveLabsClient;
}

/** Starts the emulator and the client before the file's tests; the fields are set by then. */
export function useClientEmulator(): ClientEmulator {
  const logLines: string[] = [];
  const logger: Logger = {
    debug: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
    info: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
    warn: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
    error: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  };
  const env = {
    logLines,
    logger,
    makeClient: (overrides = {}) =>
      new UndiciTwelveLabsClient({
        baseUrl: env.emulator.url,
        apiKey: () => API_KEY,
        logger,
        backoff: FAST_BACKOFF,
        ...overrides,
      }),
  } as ClientEmulator;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir: env.dir, cleanup } = await makeTempDir());
    env.emulator = await startEmulator({ processingMs: 30 });
    env.control = new EmulatorControl(env.emulator.origin);
    env.client = env.makeClient();
  });
  afterAll(async () => {
    await env.client.close();
    await env.emulator.close();
    await cleanup();
  });
  beforeEach(async () => {
    await env.control.reset();
    logLines.length = 0;
  });
  afterEach(() => {
    // Whatever happened, neither the key nor a presigned query string reached a log line.
    for (const line of logLines) {
      expect(line).not.toContain(API_KEY);
      expect(line).not.toMatch(/X-Amz-Signature=/);
    }
  });
  return env;
}
