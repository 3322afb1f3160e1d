/**
 * What the docs leave open, answered every plausible way by a real emulator (fault injection), and
 * the client reading each the same (issue 17): a reset time on a 5xx is no delay to wait, a missing
 * asset is gone whether 404, 410 or 400 says so, and an expired or unknown upload session in any
 * form means a new session.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import { ApiError } from '../../electron/core/api/errors.ts';
import {
  runMultipartUpload,
  startMultipartUpload,
  UploadSessionLostError,
} from '../../electron/core/api/multipart-upload.ts';
import { isGone, isLostSession } from '../../electron/core/api/platform-answers.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl, referenceFromIndex } from '../helpers/emulator-control.ts';
import { wav, writeFixture } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let client: UndiciTwelveLabsClient;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 10 });
  control = new EmulatorControl(emulator.origin);
  client = new UndiciTwelveLabsClient({
    baseUrl: emulator.url,
    apiKey: () => 'k',
    backoff: { maxAttempts: 3, maxTotalMs: 30_000, baseDelayMs: 20, maxDelayMs: 50 },
  });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
  await cleanup();
});
beforeEach(async () => {
  await control.reset();
});

describe('rate-limit headers', () => {
  it('retries a 503 at once although it carries an X-Ratelimit-Reset an hour ahead', async () => {
    const [id] = await control.seed({ count: 1 });
    const anHour = String(Math.ceil(Date.now() / 1000) + 3600);
    await control.addFaults({
      kind: 'status',
      route: 'assets.retrieve',
      count: 1,
      status: 503,
      headers: { 'X-Ratelimit-Limit': '100', 'X-Ratelimit-Remaining': '99', 'X-Ratelimit-Reset': anHour },
    });
    const started = Date.now();
    const asset = await client.retrieveAsset(id!);
    expect(asset.id).toBe(id);
    expect(await control.requests('assets.retrieve')).toHaveLength(2);
    // Not the hour: the backoff's own few milliseconds (bounded loosely for a loaded machine).
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('still waits out a 429 until its X-Ratelimit-Reset', async () => {
    await control.addFaults({
      kind: 'status',
      route: 'assets.retrieve',
      count: 1,
      status: 429,
      headers: { 'X-Ratelimit-Reset': String(Math.ceil(Date.now() / 1000) + 3600) },
    });
    const [id] = await control.seed({ count: 1 });
    // Its own client: the 429 closes the category's gate for the hour.
    const own = new UndiciTwelveLabsClient({ baseUrl: emulator.url, apiKey: () => 'k' });
    const error = await own.retrieveAsset(id!).catch((e: unknown) => e);
    await own.close();
    expect(error).toMatchObject({ status: 429 });
    expect((error as ApiError).retryAfterMs).toBeGreaterThan(3_500_000);
    expect(await control.requests('assets.retrieve')).toHaveLength(1);
  });
});

describe('a missing asset, whatever the status', () => {
  const variants: Array<[number, Record<string, string>]> = [
    [404, { code: 'resource_not_exist', message: 'Resource with id x does not exist in assets.' }],
    [410, { code: 'gone', message: 'The asset was deleted.' }],
    [400, { code: 'resource_not_exist', message: 'Resource with id x does not exist in assets.' }],
    [400, { code: 'parameter_invalid', message: 'The asset_id parameter is invalid.' }],
  ];
  it.each(variants)('reads %i %o as gone', async (status, body) => {
    const [id] = await control.seed({ count: 1 });
    await control.addFaults({ kind: 'status', route: 'assets.retrieve', count: 1, status, body });
    const error = await client.retrieveAsset(id!).catch((e: unknown) => e);
    expect(isGone(error)).toBe(true);
  });
  it('does not read other refusals as gone', () => {
    expect(isGone(new ApiError(400, 'parameter_invalid', 'The page_limit parameter is invalid.'))).toBe(
      false,
    );
    expect(isGone(new ApiError(500, 'internal_error', 'x'))).toBe(false);
    expect(isGone(new ApiError(409, 'asset_in_use', 'x'))).toBe(false);
  });
});

describe('an expired or unknown upload session, in any form', () => {
  const forms: Array<[string, number, Record<string, string>]> = [
    [
      '404 resource_not_exist',
      404,
      { code: 'resource_not_exist', message: 'Resource with id u does not exist.' },
    ],
    ['410', 410, { code: 'gone', message: 'Gone.' }],
    ['400 upload_expired', 400, { code: 'upload_expired', message: 'The upload session has expired.' }],
    ['400 session_not_found', 400, { code: 'session_not_found', message: 'No such upload.' }],
    ['403 expired', 403, { code: 'forbidden', message: 'The upload session expired.' }],
  ];
  it.each(forms)('resuming after %s starts a new session', async (_label, status, body) => {
    await control.settings({ chunkSize: 4096 });
    const path = await writeFixture(join(dir, 'voice.wav'), wav(1));
    const size = (await stat(path)).size;
    const { handle } = await startMultipartUpload(client, {
      path,
      size,
      type: 'audio',
      filename: 'voice.wav',
    });
    await control.addFaults({ kind: 'status', route: 'multipart.status', status, body });
    const error = await runMultipartUpload(client, handle).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadSessionLostError);
  });
  it('keeps other refusals as they are', () => {
    expect(isLostSession(new ApiError(400, 'parameter_invalid', 'The count parameter is invalid.'))).toBe(
      false,
    );
    expect(isLostSession(new ApiError(503, undefined, 'busy'))).toBe(false);
  });
});

describe('indexed assets of an asset', () => {
  it('reads the index name from index.name, as the platform sends it', async () => {
    const [id] = await control.seed({ count: 1 });
    const indexId = await referenceFromIndex(emulator.url, 'k', id!);
    const page = await client.listIndexedAssets(id!);
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ indexId, indexName: expect.stringMatching(/^index-/) });
  });
});
