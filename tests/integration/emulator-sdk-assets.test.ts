/**
 * The official SDK (twelvelabs-js 1.3.4) against the emulator over real HTTP (see
 * emulator-sdk.test.ts): retrieving and deleting assets, user metadata, rate limits and auth.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TwelvelabsApi, TwelvelabsApiClient } from 'twelvelabs-js';
import { startEmulator } from '../../emulator/index.ts';
import { wav, writeFixture } from '../helpers/media.ts';
import { control, dir, emulator, expectApiError, sdk, useSdkEmulator } from '../helpers/sdk-emulator.ts';

useSdkEmulator();

describe('retrieve and delete', () => {
  it('maps an unknown id to NotFoundError with the platform body', async () => {
    const error = await expectApiError(
      sdk.assets.retrieve('0123456789abcdef01234567', { maxRetries: 0 }),
      404,
      'resource_not_exist',
    );
    expect(error).toBeInstanceOf(TwelvelabsApi.NotFoundError);
  });

  it('refuses to delete an indexed asset with ConflictError, and deletes it with force', async () => {
    const [id] = await control.seed({ count: 1 });
    const index = await sdk.indexes.create({
      indexName: 'library',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual', 'audio'] }],
    });
    const indexed = await sdk.indexes.indexedAssets.create(index.id!, { assetId: id! });
    expect(indexed.id).toMatch(/^[0-9a-f]{24}$/);

    const refs = await fetch(`${emulator.url}/assets/${id}/indexed-assets`, {
      headers: { 'x-api-key': 'k' },
    });
    expect(await refs.json()).toMatchObject({
      data: [{ _id: indexed.id, index: { _id: index.id } }],
      page_info: { total_results: 1 },
    });

    const conflict = await expectApiError(sdk.assets.delete(id!, {}, { maxRetries: 0 }), 409);
    expect(conflict).toBeInstanceOf(TwelvelabsApi.ConflictError);
    expect((conflict.body as { message: string }).message).toMatch(/indexed assets are referencing it/);
    await sdk.assets.retrieve(id!); // still there

    await sdk.assets.delete(id!, { force: true });
    await expectApiError(sdk.assets.retrieve(id!, { maxRetries: 0 }), 404);
  });

  it('deletes an unreferenced asset with 204 and refuses to index one still processing', async () => {
    await control.settings({ processingMs: 60_000 });
    const [slow] = await control.seed({ count: 1, status: 'processing' });
    const index = await sdk.indexes.create({
      indexName: 'x',
      models: [{ modelName: 'marengo3.0', modelOptions: ['visual'] }],
    });
    await expectApiError(
      sdk.indexes.indexedAssets.create(index.id!, { assetId: slow! }, { maxRetries: 0 }),
      400,
      'parameter_invalid',
    );
    const raw = await fetch(`${emulator.url}/assets/${slow}`, {
      method: 'DELETE',
      headers: { 'x-api-key': 'k' },
    });
    expect(raw.status).toBe(204);
    expect(await raw.text()).toBe('');
    await control.settings({ processingMs: 50 });
  });
});

describe('user metadata', () => {
  it('merges with PATCH, replaces with PUT and clears with DELETE', async () => {
    const path = await writeFixture(join(dir, 'm.wav'), wav(0.5));
    const created = await sdk.assets.create({
      method: 'direct',
      file: createReadStream(path),
      userMetadata: JSON.stringify({ keep: 'yes', drop: 1, same: true }),
    });
    const id = created.id!;
    await sdk.assets.updateUserMetadata(id, { userMetadata: { drop: null, added: 2.5, keep: '' } as never });
    expect((await sdk.assets.retrieve(id)).userMetadata).toEqual({ keep: 'yes', same: true, added: 2.5 });
    await sdk.assets.replaceUserMetadata(id, { userMetadata: { only: 'this', ignored: '' } });
    expect((await sdk.assets.retrieve(id)).userMetadata).toEqual({ only: 'this' });
    await sdk.assets.deleteUserMetadata(id);
    expect((await sdk.assets.retrieve(id)).userMetadata).toBeUndefined();
    await expectApiError(
      sdk.assets.replaceUserMetadata(id, { userMetadata: { nested: { no: 1 } } as never }, { maxRetries: 0 }),
      400,
      'parameter_invalid',
    );
  });
});

describe('rate limits and auth', () => {
  it('answers 429 with Retry-After and the X-Ratelimit headers once the window is used up', async () => {
    await control.settings({ rateLimits: { 'assets:create': { limit: 2, windowSeconds: 60 } } });
    try {
      const path = await writeFixture(join(dir, 'r.wav'), wav(0.2));
      const first = await sdk.assets
        .create({ method: 'direct', file: createReadStream(path) })
        .withRawResponse();
      expect(first.rawResponse.headers.get('x-ratelimit-limit')).toBe('2');
      expect(first.rawResponse.headers.get('x-ratelimit-remaining')).toBe('1');
      expect(first.rawResponse.headers.get('x-ratelimit-used')).toBe('1');
      await sdk.assets.create({ method: 'direct', file: createReadStream(path) });
      const limited = await expectApiError(
        sdk.assets.create({ method: 'direct', file: createReadStream(path) }, { maxRetries: 0 }),
        429,
        'too_many_requests',
      );
      const headers = limited.rawResponse!.headers;
      expect(Number(headers.get('retry-after'))).toBeGreaterThan(50);
      expect(headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      // Reads are another category and are not limited.
      await sdk.assets.list();
    } finally {
      await control.settings({ rateLimits: {} });
    }
  });

  it('demands the configured key', async () => {
    const strict = await startEmulator({ apiKey: 'right-key' });
    try {
      const wrong = new TwelvelabsApiClient({ apiKey: 'wrong-key', baseUrl: strict.url });
      const error = await expectApiError(wrong.assets.list({}, { maxRetries: 0 }), 401, 'api_key_invalid');
      expect(error.message).not.toContain('wrong-key');
      const right = new TwelvelabsApiClient({ apiKey: 'right-key', baseUrl: strict.url });
      expect((await right.assets.list()).data).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});
