import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import type { Logger } from '../../electron/core/ports.ts';
import { emulator, useEmulatorPerFile } from './emulator-suite.ts';

// What the API client's tests (api-client*.test.ts) share: an emulator per file, reset before
// each test (emulator-suite.ts), a client on it whose log lines are kept, and after every test the
// check that neither the key nor a presigned query string reached a log line. The bindings are
// live; `dir` is a temporary folder for the test's files, removed after the file.

export { control, emulator, root as dir } from './emulator-suite.ts';
export const API_KEY = 'tlk_secret_key_for_tests';
const FAST_BACKOFF = { maxAttempts: 5, maxTotalMs: 60_000, baseDelayMs: 50, maxDelayMs: 500 };

/** Every line the clients logged during the current test. */
export const logLines: string[] = [];
export const logger: Logger = {
  debug: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  info: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  warn: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  error: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
};
export let client: UndiciTwelveLabsClient;

/** A client on the emulator with fast retries, logging to logLines. */
export function makeClient(
  overrides: Partial<ConstructorParameters<typeof UndiciTwelveLabsClient>[0]> = {},
): UndiciTwelveLabsClient {
  return new UndiciTwelveLabsClient({
    baseUrl: emulator.url,
    apiKey: () => API_KEY,
    logger,
    backoff: FAST_BACKOFF,
    ...overrides,
  });
}

/** Starts the emulator and the client before the file's tests; the bindings are set by then. */
export function useClientEmulator(): void {
  useEmulatorPerFile({ processingMs: 30 });
  beforeAll(() => {
    client = makeClient();
  });
  afterAll(async () => {
    await client.close();
  });
  beforeEach(() => {
    logLines.length = 0;
  });
  afterEach(() => {
    // Whatever happened, neither the key nor a presigned query string reached a log line.
    for (const line of logLines) {
      expect(line).not.toContain(API_KEY);
      expect(line).not.toMatch(/X-Amz-Signature=/);
    }
  });
}
