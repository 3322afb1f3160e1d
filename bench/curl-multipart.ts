import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { timeCommand } from './lib.ts';
import { split } from './split.ts';

/**
 * A multipart upload sent by curl, the reference for our client's: a session, the file split into
 * the session's chunks, every presigned URL, then `curl -T` of each chunk (`parallel` at a time)
 * and, with `report`, the same reports our client makes (batches of 10). Returns the time from
 * the first URL request to the last report, in ms; the split is not timed.
 */
export async function curlMultipartUpload(
  baseUrl: string,
  file: string,
  size: number,
  dir: string,
  options: { parallel: number; report: boolean },
): Promise<number> {
  const headers = { 'x-api-key': 'bench', 'content-type': 'application/json' };
  const session = (await (
    await fetch(`${baseUrl}/assets/multipart-uploads`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ filename: 'bench.mp4', type: 'video', total_size: size }),
    })
  ).json()) as { upload_id: string; chunk_size: number; total_chunks: number };
  const chunks = await split(file, session.chunk_size, join(dir, 'chunks'));
  const started = process.hrtime.bigint();
  const urls: string[] = [];
  for (let start = 1; start <= session.total_chunks; start += 50) {
    const res = (await (
      await fetch(`${baseUrl}/assets/multipart-uploads/${session.upload_id}/presigned-urls`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ start, count: 50 }),
      })
    ).json()) as { upload_urls: Array<{ chunk_index: number; url: string }> };
    for (const u of res.upload_urls) urls[u.chunk_index - 1] = u.url;
  }
  const etags: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: options.parallel }, async () => {
      for (let i = next++; i < chunks.length; i = next++) {
        const { stdout } = await timeCommand('curl', [
          '-sS',
          '-o',
          '/dev/null',
          '-D',
          '-',
          '-T',
          chunks[i]!,
          urls[i]!,
        ]);
        const match = /etag: "?([0-9a-f]+)"?/i.exec(stdout);
        if (!match) throw new Error(`chunk ${i + 1}: no ETag in ${stdout}`);
        etags[i] = match[1]!;
      }
    }),
  );
  for (let i = 0; options.report && i < etags.length; i += 10) {
    const batch = etags.slice(i, i + 10).map((etag, k) => ({
      chunk_index: i + k + 1,
      proof: etag,
      proof_type: 'etag',
      chunk_size:
        i + k + 1 < session.total_chunks
          ? session.chunk_size
          : size - session.chunk_size * (session.total_chunks - 1),
    }));
    await fetch(`${baseUrl}/assets/multipart-uploads/${session.upload_id}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ completed_chunks: batch }),
    });
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await rm(join(dir, 'chunks'), { recursive: true, force: true });
  return ms;
}
