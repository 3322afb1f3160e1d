import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { EmulatorCore } from '../core.ts';
import { ApiError } from '../http-helpers.ts';
import type { RequestContext } from '../router.ts';
import { chunkSizeOf } from './multipart-sessions.ts';

/** S3-style error for the storage side: it is not the TwelveLabs API and does not speak its JSON. */
function storageError(status: number, code: string, message: string): ApiError {
  return new ApiError(status, code, message);
}

/**
 * PUT of one chunk to its presigned URL (what S3 does for the platform): the URL must be valid,
 * unused and unexpired, the session active, and the body exactly the chunk's size.
 */
export async function putChunk(emu: EmulatorCore, ctx: RequestContext): Promise<void> {
  const token = ctx.url.searchParams.get('X-Amz-Signature') ?? '';
  const grant = emu.state.presignedUrls.get(token);
  const index = Number(ctx.params.chunkIndex);
  if (!grant || grant.uploadId !== ctx.params.uploadId || grant.chunkIndex !== index)
    throw storageError(403, 'SignatureDoesNotMatch', 'The presigned URL is not valid.');
  if (grant.used) throw storageError(403, 'AccessDenied', 'The presigned URL has already been used.');
  if (Date.parse(grant.expiresAt) <= Date.now())
    throw storageError(403, 'AccessDenied', 'Request has expired.');
  const session = emu.state.sessions.get(grant.uploadId);
  if (!session || session.status !== 'active' || Date.parse(session.expiresAt) <= Date.now())
    throw storageError(403, 'AccessDenied', 'The upload session is no longer active.');

  const expected = chunkSizeOf(session, index);
  const tmp = `${emu.blobs.chunkPath(session.id, index)}.${token}.part`;
  const hash = createHash('md5');
  let size = 0;
  try {
    await pipeline(
      ctx.body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > expected)
            throw storageError(400, 'EntityTooLarge', `Chunk ${index} must be ${expected} bytes.`);
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(tmp, { mode: 0o600 }),
    );
  } catch (error) {
    await rm(tmp, { force: true });
    throw error instanceof ApiError
      ? error
      : storageError(400, 'IncompleteBody', 'The chunk upload was interrupted.');
  }
  if (size !== expected) {
    await rm(tmp, { force: true });
    throw storageError(400, 'IncompleteBody', `Chunk ${index} must be ${expected} bytes; received ${size}.`);
  }
  await rename(tmp, emu.blobs.chunkPath(session.id, index));
  const etag = hash.digest('hex');
  grant.used = true;
  const previous = session.chunks[index];
  // Re-uploading a reported chunk with the same bytes keeps it reported; new bytes need a new report.
  session.chunks[index] = {
    etag,
    size,
    uploadedAt: new Date().toISOString(),
    ...(previous?.reportedAt && previous.etag === etag && { reportedAt: previous.reportedAt }),
  };
  session.updatedAt = new Date().toISOString();
  emu.state.changed();
  ctx.res.writeHead(200, { ETag: `"${etag}"`, 'Content-Length': 0 });
  ctx.res.end();
}
