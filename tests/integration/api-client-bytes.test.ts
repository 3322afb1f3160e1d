/**
 * The app's API client against the emulator (see api-client.test.ts): bytes arrive exactly as on
 * disk, and multipart uploads re-request URLs and resume from their handle.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  runMultipartUpload,
  startMultipartUpload,
  type MultipartHandle,
} from '../../electron/core/api/multipart-upload.ts';
import { systemClock } from '../../electron/core/ports.ts';
import { TokenBucketLimiter } from '../../electron/core/queue/bandwidth.ts';
import { client, control, dir, emulator, useClientEmulator } from '../helpers/api-client-emulator.ts';
import { writeMp4File } from '../helpers/media.ts';
import { until } from '../helpers/until.ts';

useClientEmulator();

describe('bytes arrive exactly as on disk', () => {
  // The file reader reuses one buffer (file-range.ts): these uploads run while the socket cannot
  // keep up (the emulator reads slowly, so writes stay queued) and with pieces cut by a bandwidth
  // limiter, the conditions under which a buffer overwritten too early would corrupt the upload
  // (checked: with 4 KiB limiter pieces, which the writer does not wait for, the hashes differ).
  const sha256 = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const storedBlob = (assetId: string) =>
    until(
      `asset ${assetId} to have its bytes stored`,
      () => emulator.core.state.assets.get(assetId)?.blobPath,
    );

  it('direct and multipart, throttled by the server and by our limiter', async () => {
    await control.settings({ ingestBytesPerSecond: 3_000_000, chunkSize: 5 * 1024 * 1024 });
    try {
      // Odd sizes, so the last read, the last limiter piece and the last chunk are all partial.
      const direct = await writeMp4File(join(dir, 'exact-direct.mp4'), 6 * 1024 * 1024 + 12_345, 21);
      const big = await writeMp4File(join(dir, 'exact-multipart.mp4'), 12 * 1024 * 1024 + 777, 22);
      const limiter = new TokenBucketLimiter(20_000_000, systemClock);
      const [asset, multipart] = await Promise.all([
        client.createAssetFromFile(direct, { limiter }),
        (async () => {
          const { handle, urls } = await startMultipartUpload(client, {
            path: big,
            size: (await stat(big)).size,
            type: 'video',
            filename: 'exact-multipart.mp4',
          });
          return runMultipartUpload(client, handle, { concurrency: 3 }, urls);
        })(),
      ]);
      expect(await sha256(await storedBlob(asset.id))).toBe(await sha256(direct));
      expect(await sha256(await storedBlob(multipart.assetId))).toBe(await sha256(big));
    } finally {
      await control.settings({ ingestBytesPerSecond: 0, chunkSize: null });
    }
  }, 30_000);
});

describe('multipart', () => {
  it('re-requests a used or expired URL by itself', async () => {
    await control.settings({ chunkSize: 1_000_000, presignedUrlTtlMs: 1 });
    const path = await writeMp4File(join(dir, 'mp.mp4'), 5_500_000, 8);
    const { handle, urls } = await startMultipartUpload(client, {
      path,
      size: 5_500_000,
      type: 'video',
      filename: 'mp.mp4',
    });
    expect(handle.totalChunks).toBe(6);
    await control.settings({ presignedUrlTtlMs: 3_600_000 });
    // The first URLs have expired (TTL 1 ms): the uploader asks for fresh ones.
    await runMultipartUpload(client, handle, {}, urls);
    const ready = await client.waitUntilSettled(handle.assetId, { initialIntervalMs: 10 });
    expect(ready).toMatchObject({ status: 'ready', size: 5_500_000, method: 'multipart' });
    expect((await control.requests('multipart.presign')).length).toBeGreaterThan(0);
    await control.settings({ chunkSize: null });
  });

  it('a 600 MB upload killed halfway resumes from its handle and sends only the missing chunks', async () => {
    const size = 600 * 1024 * 1024;
    const path = await writeMp4File(join(dir, 'big.mp4'), size, 9);
    const handlePath = join(dir, 'handle.json');
    // Slow the link a little so there is a "halfway" to kill at.
    await control.settings({ ingestBytesPerSecond: 150 * 1024 * 1024 });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/helpers/multipart-child.ts', emulator.url, path, handlePath],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let saved: MultipartHandle | undefined;
    let exited = false;
    child.on('exit', () => (exited = true));
    for (;;) {
      expect(exited, 'the uploader finished or died before halfway').toBe(false);
      await new Promise((r) => setTimeout(r, 50));
      saved = await readFile(handlePath, 'utf8').then(
        (t) => JSON.parse(t) as MultipartHandle,
        () => undefined,
      );
      if (saved && Object.keys(saved.chunks).length >= saved.totalChunks / 2) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    await control.settings({ ingestBytesPerSecond: 0 });

    saved = JSON.parse(await readFile(handlePath, 'utf8')) as MultipartHandle;
    const doneChunks = Object.keys(saved.chunks).length;
    expect(doneChunks).toBeLessThan(saved.totalChunks);
    const putsBefore = (await control.requests('storage.put')).length;

    const result = await runMultipartUpload(client, saved);
    expect(result.assetId).toBe(saved.assetId);
    const after = (await control.requests('storage.put')).slice(putsBefore);
    const missing = saved.totalChunks - doneChunks;
    expect(after).toHaveLength(missing);
    const resentBytes = after.reduce((sum, r) => sum + r.bodyBytes, 0);
    expect(resentBytes).toBeLessThanOrEqual(missing * saved.chunkSize);
    expect(resentBytes).toBeGreaterThan((missing - 1) * saved.chunkSize);
    const ready = await client.waitUntilSettled(saved.assetId, { initialIntervalMs: 20 });
    expect(ready).toMatchObject({ status: 'ready', size, method: 'multipart' });
    expect((await client.listAssetsPage()).data).toHaveLength(1);
  }, 120_000);
});
