/**
 * The API client under lost answers (issue 13), through a real gateway in front of the emulator:
 * a request that makes something is sent once and its lost answer is an OutcomeUnknownError for
 * the queue to resolve (lost-answer.test.ts); what is safe to repeat is retried as before.
 */
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { UndiciTwelveLabsClient } from '../../electron/core/api/client.ts';
import {
  ApiError,
  NetworkError,
  OutcomeUnknownError,
  GarbledAnswerError,
} from '../../electron/core/api/errors.ts';
import { runMultipartUpload, startMultipartUpload } from '../../electron/core/api/multipart-upload.ts';
import type { Logger } from '../../electron/core/ports.ts';
import { control, dir, emulatorAssets, proxy, useLostAnswerSuite } from '../helpers/lost-answer-suite.ts';
import { mp4, wav, writeFixture } from '../helpers/media.ts';

useLostAnswerSuite();

describe('the client', () => {
  const retries: string[] = [];
  const note = (m: string) => void (m.startsWith('request failed; retrying') && retries.push(m));
  const logger: Logger = { debug: note, info: note, warn: note, error: note };
  let gated: UndiciTwelveLabsClient;
  beforeAll(() => {
    gated = new UndiciTwelveLabsClient({
      baseUrl: `${proxy.origin}/v1.3`,
      apiKey: () => 'k',
      logger,
      backoff: { maxAttempts: 5, maxTotalMs: 10_000, baseDelayMs: 20, maxDelayMs: 100 },
    });
  });
  afterAll(() => gated.close());
  beforeEach(() => void (retries.length = 0));

  const creates = [
    {
      what: 'a direct create',
      route: 'assets.create',
      path: /^\/v1\.3\/assets$/,
      send: async () => gated.createAssetFromFile(await writeFixture(join(dir, 'lost.wav'), wav(0.2))),
    },
    {
      what: 'a URL create',
      route: 'assets.create',
      path: /^\/v1\.3\/assets$/,
      send: () => gated.createAssetFromUrl('https://example.com/lost.mp4'),
    },
    {
      what: 'a multipart session create',
      route: 'multipart.create',
      path: /^\/v1\.3\/assets\/multipart-uploads$/,
      send: () => gated.createUploadSession({ filename: 'lost.mp4', type: 'video', totalSize: 6_000_000 }),
    },
  ];
  const faults = [
    { fault: 'cut' as const, underlying: NetworkError },
    { fault: 502, underlying: ApiError },
    { fault: 504, underlying: ApiError },
    // A bare 503 (no Retry-After) may be a gateway's whose upstream broke after forwarding.
    { fault: 503, underlying: ApiError },
    // A success whose body is a proxy's page: something was made, its id cannot be read.
    { fault: 200, underlying: GarbledAnswerError },
  ];
  for (const create of creates)
    for (const { fault, underlying } of faults)
      it(`${create.what} whose answer is lost (${fault}) raises OutcomeUnknownError and is sent once`, async () => {
        const rule = proxy.lose({ method: 'POST', path: create.path, fault, count: 1 });
        const error = await create.send().catch((e: unknown) => e);
        expect(rule.hits).toBe(1);
        expect(error).toBeInstanceOf(OutcomeUnknownError);
        expect(error).toMatchObject({ bodyComplete: true, retryable: true });
        expect((error as OutcomeUnknownError).underlying).toBeInstanceOf(underlying);
        // The platform made it, once: the request reached it once and was not sent again.
        expect(await control.requests(create.route)).toEqual([expect.objectContaining({ status: 201 })]);
        expect(retries).toEqual([]);
      });

  it('what is safe to repeat is retried: presigned URLs, chunk PUTs, reports before the last', async () => {
    await control.settings({ initialPresignedUrls: 0 });
    try {
      const path = await writeFixture(join(dir, 'safe.mp4'), mp4({ seed: 11, payloadBytes: 9_000 }));
      const rules = [
        proxy.lose({ method: 'POST', path: /\/presigned-urls$/, fault: 'cut', count: 1 }),
        proxy.lose({ method: 'PUT', path: /^\/_storage\//, fault: 'cut', count: 1 }),
        proxy.lose({
          method: 'POST',
          path: /^\/v1\.3\/assets\/multipart-uploads\/[^/]+$/,
          fault: 502,
          count: 1,
        }),
      ];
      const { handle, urls } = await startMultipartUpload(gated, {
        path,
        size: (await stat(path)).size,
        type: 'video',
        filename: 'safe.mp4',
      });
      expect(handle.totalChunks).toBe(3);
      // One chunk per report: the first two reports do not complete the upload.
      const { assetId } = await runMultipartUpload(
        gated,
        handle,
        { concurrency: 1, reportBatchSize: 1 },
        urls,
      );
      expect(await gated.waitUntilSettled(assetId, { initialIntervalMs: 20 })).toMatchObject({
        status: 'ready',
      });
      expect(rules.map((r) => r.hits)).toEqual([1, 1, 1]);
      // The cut PUT had landed: its retry meets 403 (a presigned URL is used once), a fresh URL
      // is asked for and the chunk sent again. Each cut request was sent once more.
      expect(await control.requests('multipart.presign')).toHaveLength(3);
      expect((await control.requests('storage.put')).map((r) => r.status)).toEqual([200, 403, 200, 200, 200]);
      expect(await control.requests('multipart.report')).toHaveLength(4);
      expect(retries).toHaveLength(3);
      expect((await emulatorAssets()).map((a) => a.filename)).toEqual(['safe.mp4']);
    } finally {
      await control.settings({ initialPresignedUrls: 10 });
    }
  });

  it('a create refused with 503 and Retry-After (the platform did not act) is retried', async () => {
    await control.addFaults({
      kind: 'status',
      route: 'assets.create',
      status: 503,
      count: 1,
      headers: { 'Retry-After': '1' },
    });
    await gated.createAssetFromUrl('https://example.com/busy.mp4');
    expect((await control.requests('assets.create')).map((r) => r.status)).toEqual([503, 201]);
    expect(await emulatorAssets()).toHaveLength(1);
  });

  for (const fault of ['cut', 200] as const)
    it(`a read whose answer is ${fault === 'cut' ? 'cut' : 'a proxy page with 200'} is simply retried`, async () => {
      const rule = proxy.lose({ method: 'GET', path: /^\/v1\.3\/assets$/, fault, count: 1 });
      await gated.listAssetsPage();
      expect(rule.hits).toBe(1);
      expect(await control.requests('assets.list')).toHaveLength(2);
    });
});
