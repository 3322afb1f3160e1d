/**
 * The official SDK (twelvelabs-js 1.3.4) against the emulator over real HTTP (see
 * emulator-sdk.test.ts): the multipart upload API, its presigned URLs and session expiry.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MultipartUploadWrapper } from 'twelvelabs-js';
import { mp4, writeMp4File } from '../helpers/media.ts';
import {
  control,
  dir,
  emulator,
  expectApiError,
  pageResponse,
  sdk,
  useSdkEmulator,
  waitUntilSettled,
} from '../helpers/sdk-emulator.ts';
import { until } from '../helpers/until.ts';

useSdkEmulator();

/** Until the expiry an answer states has passed (on the emulator's clock, which is this one). */
const passed = (expiresAt: Date | string | undefined) =>
  until('the stated expiry to pass', () => Date.now() > new Date(expiresAt!).getTime());

describe('multipart upload', () => {
  it('uploads a file above 200 MB with the SDK wrapper, and the asset turns ready', async () => {
    const path = await writeMp4File(join(dir, 'large.mp4'), 210 * 1024 * 1024 + 12345, 7, 95);
    const wrapper = new MultipartUploadWrapper({ apiKey: 'k', baseUrl: emulator.url });
    const log = console.log;
    console.log = () => undefined; // the wrapper narrates every step
    let result;
    try {
      result = await wrapper.uploadFile(path, { filename: 'large.mp4' });
    } finally {
      console.log = log;
    }
    expect(result.assetId).toMatch(/^[0-9a-f]{24}$/);
    expect(result.assetUrl).toContain(result.assetId);
    const ready = await waitUntilSettled(result.assetId);
    expect(ready).toMatchObject({
      status: 'ready',
      method: 'multipart',
      filename: 'large.mp4',
      size: 210 * 1024 * 1024 + 12345,
    });
    expect(ready.duration).toBeCloseTo(95, 3);
    const puts = await control.requests('storage.put');
    expect(puts).toHaveLength(Math.ceil((210 * 1024 * 1024 + 12345) / (5 * 1024 * 1024)));
    // The session is complete, so it is no longer listed as incomplete.
    expect((await sdk.multipartUpload.listIncompleteUploads()).data).toEqual([]);
  }, 120_000);

  it('serves single-use, expiring presigned URLs and counts duplicate chunk reports', async () => {
    await control.settings({ chunkSize: 1000, initialPresignedUrls: 2, presignedUrlTtlMs: 60_000 });
    try {
      const bytes = mp4({ payloadBytes: 2500 });
      const session = await sdk.multipartUpload.create({
        filename: 'small.mp4',
        type: 'video',
        totalSize: bytes.length,
      });
      expect(session.totalChunks).toBe(Math.ceil(bytes.length / 1000));
      expect(session.uploadUrls).toHaveLength(2);
      const incomplete = await sdk.multipartUpload.listIncompleteUploads();
      expect(incomplete.data).toMatchObject([
        { uploadId: session.uploadId, status: 'active', totalChunks: session.totalChunks },
      ]);
      // The reserved asset is not listed before its upload completes.
      expect((await sdk.assets.list()).data).toEqual([]);

      const put = (url: string, index: number) =>
        fetch(url, { method: 'PUT', body: bytes.subarray((index - 1) * 1000, index * 1000) });
      const first = await put(session.uploadUrls![0]!.url!, 1);
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect((await put(session.uploadUrls![0]!.url!, 1)).status).toBe(403); // used once already

      const reported = await sdk.multipartUpload.reportChunkBatch(session.uploadId!, {
        completedChunks: [
          { chunkIndex: 1, proof: etag.replace(/"/g, ''), proofType: 'etag', chunkSize: 1000 },
        ],
      });
      expect(reported).toMatchObject({ processedChunks: 1, duplicateChunks: 0, totalCompleted: 1 });
      expect(reported.url).toBeUndefined();
      const again = await sdk.multipartUpload.reportChunkBatch(session.uploadId!, {
        completedChunks: [{ chunkIndex: 1, proof: etag, proofType: 'etag', chunkSize: 1000 }],
      });
      expect(again).toMatchObject({ processedChunks: 0, duplicateChunks: 1, totalCompleted: 1 });
      await expectApiError(
        sdk.multipartUpload.reportChunkBatch(
          session.uploadId!,
          { completedChunks: [{ chunkIndex: 2, proof: 'abc', proofType: 'etag', chunkSize: 1000 }] },
          { maxRetries: 0 },
        ),
        400,
        'parameter_invalid',
      );

      const status = await sdk.multipartUpload.getStatus(session.uploadId!, { pageLimit: 2 });
      expect(status.data).toMatchObject([
        { index: 1, status: 'completed' },
        { index: 2, status: 'pending' },
      ]);

      // An expired URL is refused; fresh ones come from presigned-urls.
      await control.settings({ presignedUrlTtlMs: 1 });
      const stale = await sdk.multipartUpload.getAdditionalPresignedUrls(session.uploadId!, {
        start: 2,
        count: 50,
      });
      await passed(stale.expiresAt);
      expect((await put(stale.uploadUrls![0]!.url!, 2)).status).toBe(403);
      await control.settings({ presignedUrlTtlMs: 60_000 });
      const fresh = await sdk.multipartUpload.getAdditionalPresignedUrls(session.uploadId!, {
        start: 2,
        count: 50,
      });
      expect(fresh.uploadUrls).toHaveLength(session.totalChunks! - 1);
      const chunks = [];
      for (const u of fresh.uploadUrls!) {
        const res = await put(u.url!, u.chunkIndex!);
        const size = Math.min(1000, bytes.length - (u.chunkIndex! - 1) * 1000);
        chunks.push({
          chunkIndex: u.chunkIndex!,
          proof: res.headers.get('etag')!,
          proofType: 'etag' as const,
          chunkSize: size,
        });
      }
      const done = await sdk.multipartUpload.reportChunkBatch(session.uploadId!, { completedChunks: chunks });
      expect(done.url).toBeDefined();
      expect(done.totalCompleted).toBe(session.totalChunks);
      const ready = await waitUntilSettled(session.assetId!);
      expect(ready).toMatchObject({ status: 'ready', method: 'multipart', size: bytes.length });
      const source = Buffer.from(await (await fetch(done.url!)).arrayBuffer());
      expect(source.equals(bytes)).toBe(true);
    } finally {
      await control.settings({ chunkSize: null, initialPresignedUrls: 10, presignedUrlTtlMs: 3_600_000 });
    }
  });

  it('expires sessions', async () => {
    await control.settings({ sessionTtlMs: 1 });
    try {
      const session = await sdk.multipartUpload.create({
        filename: 'late.mp4',
        type: 'video',
        totalSize: 10_000_000,
      });
      await passed(session.expiresAt);
      const status = await sdk.multipartUpload.getStatus(session.uploadId!);
      expect(pageResponse(status).status).toBe('expired');
      expect((await fetch(session.uploadUrls![0]!.url!, { method: 'PUT', body: 'x' })).status).toBe(403);
      await expectApiError(
        sdk.multipartUpload.getAdditionalPresignedUrls(
          session.uploadId!,
          { start: 1, count: 1 },
          { maxRetries: 0 },
        ),
        400,
        'upload_expired',
      );
    } finally {
      await control.settings({ sessionTtlMs: 86_400_000 });
    }
  });
});
