/**
 * A library sync that fails was kept in the library's state only: the periodic sync's
 * `.catch(() => undefined)` left no trace in the log. It is now logged once per problem (not on
 * every minute's retry), as a warning when TwelveLabs refuses, as info when it cannot be reached,
 * and never with the key. Through the emulator over real HTTP.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import { AssetLibrary } from '../../electron/core/library/asset-library.ts';
import type { Logger } from '../../electron/core/ports.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { FAST } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const WRONG_KEY = 'tlk_wrong_key_0123456789';
let emulator: RunningEmulator;
let dir: string;
let cleanup: () => Promise<void>;
let client: UndiciTwelveLabsClient;
let library: AssetLibrary;
const lines: string[] = [];

const capture = (level: string) => (message: string, fields?: Record<string, unknown>) =>
  void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
const logger: Logger = {
  debug: capture('debug'),
  info: capture('info'),
  warn: capture('warn'),
  error: capture('error'),
};

beforeEach(async () => {
  lines.length = 0;
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 1000, apiKey: 'the-right-key' });
  client = new UndiciTwelveLabsClient({ baseUrl: emulator.url, apiKey: () => WRONG_KEY, backoff: FAST });
  library = new AssetLibrary({
    client,
    store: new ConfDocumentStore(join(dir, 'data'), 'library'),
    logger,
    syncIntervalMs: 3_600_000,
  });
});
afterEach(async () => {
  await library.stop();
  await client.close();
  await emulator.close().catch(() => undefined);
  await cleanup();
});

const libraryLines = () => lines.filter((l) => l.includes('library: sync or refresh failed'));

it('logs a refused sync once, and an unreachable TwelveLabs as info, never with the key', async () => {
  await expect(library.syncNow()).rejects.toThrow();
  await expect(library.syncNow()).rejects.toThrow(); // the same problem again: not logged again
  expect(libraryLines()).toHaveLength(1);
  expect(libraryLines()[0]).toMatch(/^warn /);
  expect(library.state().problem).toBeTruthy();
  expect(libraryLines()[0]).toContain(library.state().problem!.slice(0, 20));

  await emulator.close();
  await expect(library.syncNow()).rejects.toThrow();
  expect(libraryLines()).toHaveLength(2);
  expect(libraryLines()[1]).toMatch(/^info .*TwelveLabs cannot be reached/);

  expect(lines.join('\n')).not.toContain(WRONG_KEY);
});
