import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { EmulatorCore } from '../core.ts';
import { newObjectId } from '../ids.ts';
import {
  ApiError,
  invalid,
  isObject,
  notFound,
  notProvided,
  readJsonObject,
  sendJson,
} from '../http-helpers.ts';
import { describeBytes, type ChunkedKind } from '../limits.ts';
import { pageParams } from '../query.ts';
import type { RequestContext, RouteDefinition } from '../router.ts';
import { sniff, SNIFF_BYTES } from '../sniff.ts';
import type { UploadSessionRecord } from '../state.ts';
import { validateMetadata } from '../user-metadata.ts';
import { paginate } from '../wire.ts';

const MiB = 1024 * 1024;
const TYPES: ChunkedKind[] = ['video', 'audio', 'image'];

/** The multipart upload API (§7) and the presigned chunk URLs it hands out (served here too). */
export function multipartRoutes(emu: EmulatorCore): RouteDefinition[] {
  const s = emu.settings;

  const findSession = (id: string): UploadSessionRecord => {
    const session = emu.state.sessions.get(id);
    if (!session) throw notFound(id, 'multipart uploads');
    if (session.status === 'active' && Date.parse(session.expiresAt) <= Date.now()) {
      session.status = 'expired';
      emu.state.changed();
    }
    return session;
  };

  const requireActive = (session: UploadSessionRecord) => {
    if (session.status === 'expired')
      throw new ApiError(
        400,
        'upload_expired',
        `The upload session ${session.id} has expired. Start a new upload.`,
      );
    if (session.status !== 'active')
      throw new ApiError(400, 'upload_not_active', `The upload session ${session.id} is ${session.status}.`);
  };

  const presign = (ctx: RequestContext, session: UploadSessionRecord, start: number, count: number) => {
    const expiresAt = new Date(Date.now() + s.presignedUrlTtlMs).toISOString();
    const urls = [];
    for (let index = start; index < start + count && index <= session.totalChunks; index++) {
      const token = randomBytes(16).toString('hex');
      emu.state.presignedUrls.set(token, {
        token,
        uploadId: session.id,
        chunkIndex: index,
        expiresAt,
        used: false,
      });
      urls.push({
        chunk_index: index,
        url: `${ctx.origin}/_storage/${session.id}/${index}?X-Amz-Signature=${token}&X-Amz-Expires=${Math.round(s.presignedUrlTtlMs / 1000)}`,
        expires_at: expiresAt,
      });
    }
    emu.state.changed();
    return { urls, expiresAt };
  };

  const chunkSizeOf = (session: UploadSessionRecord, index: number) =>
    index < session.totalChunks
      ? session.chunkSize
      : session.totalSize - session.chunkSize * (session.totalChunks - 1);

  /** All chunks reported: the pieces become one file and the asset starts processing. */
  const complete = async (session: UploadSessionRecord) => {
    session.status = 'completed';
    const asset = emu.state.assets.get(session.assetId);
    emu.state.changed();
    if (!asset) return;
    const tmp = emu.blobs.incomingPath(`${session.id}.assembled`);
    const chunkPaths = Array.from({ length: session.totalChunks }, (_, i) =>
      emu.blobs.chunkPath(session.id, i + 1),
    );
    await pipeline(
      async function* () {
        for (const path of chunkPaths) yield* createReadStream(path);
      },
      createWriteStream(tmp, { mode: 0o600 }),
    );
    await rename(tmp, emu.blobs.blobPath(asset.id));
    await emu.blobs.removeSession(session.id);
    const head = Buffer.alloc(SNIFF_BYTES);
    const fd = await open(emu.blobs.blobPath(asset.id), 'r');
    const { bytesRead } = await fd.read(head, 0, SNIFF_BYTES, 0);
    await fd.close();
    asset.blobPath = emu.blobs.blobPath(asset.id);
    asset.sniffed = sniff(head.subarray(0, bytesRead));
    asset.size = session.totalSize;
    asset.hidden = false;
    emu.state.changed();
    emu.scheduleProcessing(asset.id);
  };

  const sessionSummary = (x: UploadSessionRecord) => ({
    upload_id: x.id,
    status: x.status,
    total_size: x.totalSize,
    chunk_size: x.chunkSize,
    total_chunks: x.totalChunks,
    created_at: x.createdAt,
    expires_at: x.expiresAt,
  });

  return [
    {
      name: 'multipart.create',
      method: 'POST',
      path: '/v1.3/assets/multipart-uploads',
      auth: true,
      rateCategory: 'assets:multipart',
      handler: async (ctx) => {
        const body = await readJsonObject(ctx.body);
        const { filename, type, total_size: totalSize } = body;
        if (filename === undefined) throw notProvided('filename');
        if (typeof filename !== 'string' || filename.length < 1 || filename.length > 255)
          throw invalid('filename', 'It must be between 1 and 255 characters long.');
        if (type === undefined) throw notProvided('type');
        if (!TYPES.includes(type as ChunkedKind))
          throw invalid('type', "It must be 'video', 'audio' or 'image'.");
        if (totalSize === undefined) throw notProvided('total_size');
        const cap = s.limits.multipart[type as ChunkedKind];
        if (!Number.isInteger(totalSize) || (totalSize as number) < 1)
          throw invalid('total_size', 'It must be a positive integer.');
        if ((totalSize as number) > cap)
          throw invalid('total_size', `A ${type} upload can be at most ${describeBytes(cap)}.`);
        for (const flag of ['enable_hls', 'enable_thumbnail'])
          if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
            throw invalid(flag, 'It must be a boolean.');
        const userMetadata =
          body.user_metadata === undefined ? undefined : validateMetadata(body.user_metadata, false);

        const total = totalSize as number;
        const chunkSize = s.chunkSize ?? Math.max(5 * MiB, Math.ceil(total / 10_000));
        const now = Date.now();
        const asset = emu.newAsset({
          method: 'multipart',
          filename,
          enableHls: body.enable_hls === true,
          enableThumbnail: body.enable_thumbnail === true,
          userMetadata: userMetadata as Record<string, string | number | boolean> | undefined,
          hidden: true,
        });
        const session: UploadSessionRecord = {
          id: newObjectId(now),
          assetId: asset.id,
          filename,
          type: type as ChunkedKind,
          totalSize: total,
          chunkSize,
          totalChunks: Math.ceil(total / chunkSize),
          createdAt: new Date(now).toISOString(),
          updatedAt: new Date(now).toISOString(),
          expiresAt: new Date(now + s.sessionTtlMs).toISOString(),
          status: 'active',
          chunks: {},
        };
        emu.state.sessions.set(session.id, session);
        await emu.blobs.sessionDir(session.id);
        const { urls } = presign(ctx, session, 1, s.initialPresignedUrls);
        sendJson(ctx.res, 201, {
          upload_id: session.id,
          asset_id: asset.id,
          upload_urls: urls,
          upload_headers: {},
          chunk_size: chunkSize,
          total_chunks: session.totalChunks,
          expires_at: session.expiresAt,
        });
      },
    },
    {
      name: 'multipart.list',
      method: 'GET',
      path: '/v1.3/assets/multipart-uploads',
      auth: true,
      handler: (ctx) => {
        const { page, limit } = pageParams(ctx.url.searchParams);
        const sessions = [...emu.state.sessions.keys()]
          .map(findSession)
          .filter((x) => x.status === 'active')
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        const result = paginate(sessions, page, limit);
        sendJson(ctx.res, 200, { data: result.data.map(sessionSummary), page_info: result.page_info });
      },
    },
    {
      name: 'multipart.status',
      method: 'GET',
      path: '/v1.3/assets/multipart-uploads/:uploadId',
      auth: true,
      handler: (ctx) => {
        const session = findSession(ctx.params.uploadId!);
        const { page, limit } = pageParams(ctx.url.searchParams);
        const chunks = [];
        let completed = 0;
        let uploadedSize = 0;
        for (let i = 1; i <= session.totalChunks; i++) {
          const c = session.chunks[i];
          const reported = c?.reportedAt !== undefined;
          if (reported) {
            completed++;
            uploadedSize += c!.size;
          }
          chunks.push({
            index: i,
            status: reported ? 'completed' : 'pending',
            uploaded_at: reported ? c!.reportedAt : null,
            updated_at: c?.reportedAt ?? c?.uploadedAt ?? session.createdAt,
          });
        }
        const result = paginate(chunks, page, limit);
        sendJson(ctx.res, 200, {
          upload_id: session.id,
          status: session.status,
          uploaded_chunks: result.data,
          chunks_completed: completed,
          chunks_failed: 0,
          chunks_pending: session.totalChunks - completed,
          page_info: result.page_info,
          total_size: session.totalSize,
          uploaded_size: uploadedSize,
          created_at: session.createdAt,
          updated_at: session.updatedAt,
        });
      },
    },
    {
      name: 'multipart.report',
      method: 'POST',
      path: '/v1.3/assets/multipart-uploads/:uploadId',
      auth: true,
      handler: async (ctx) => {
        const session = findSession(ctx.params.uploadId!);
        const body = await readJsonObject(ctx.body);
        const list = body.completed_chunks;
        if (list === undefined) throw notProvided('completed_chunks');
        if (!Array.isArray(list) || list.length === 0)
          throw invalid('completed_chunks', 'It must be a non-empty array.');
        if (session.status === 'completed') {
          sendJson(ctx.res, 200, {
            url: `${emu.mediaBase(ctx.origin, session.assetId)}/source`,
            asset_id: session.assetId,
            processed_chunks: 0,
            duplicate_chunks: list.length,
            total_completed: session.totalChunks,
          });
          return;
        }
        requireActive(session);
        // Validate the whole batch before applying any of it.
        for (const item of list) {
          if (!isObject(item)) throw invalid('completed_chunks', 'Each item must be an object.');
          const { chunk_index: index, proof, proof_type: proofType, chunk_size: size } = item;
          if (!Number.isInteger(index) || (index as number) < 1 || (index as number) > session.totalChunks)
            throw invalid('chunk_index', `It must be between 1 and ${session.totalChunks}.`);
          if (typeof proof !== 'string' || proof === '') throw notProvided('proof');
          if (proofType !== 'etag') throw invalid('proof_type', "It must be 'etag'.");
          const stored = session.chunks[index as number];
          if (!stored) throw invalid('completed_chunks', `Chunk ${index} has not been uploaded.`);
          if (proof.replace(/"/g, '') !== stored.etag)
            throw invalid('proof', `The proof for chunk ${index} does not match.`);
          if (size !== stored.size)
            throw invalid('chunk_size', `Chunk ${index} is ${stored.size} bytes, not ${size}.`);
        }
        let processed = 0;
        let duplicates = 0;
        const now = new Date().toISOString();
        for (const item of list as Array<{ chunk_index: number }>) {
          const chunk = session.chunks[item.chunk_index]!;
          if (chunk.reportedAt) duplicates++;
          else {
            chunk.reportedAt = now;
            processed++;
          }
        }
        session.updatedAt = now;
        const totalCompleted = Object.values(session.chunks).filter((c) => c.reportedAt).length;
        const done = totalCompleted === session.totalChunks;
        if (done) {
          // Like the platform: the answer comes at once, the file is put together in the
          // background, and the asset stays `processing` until then.
          session.status = 'completed';
          void complete(session).catch((error: unknown) => {
            const asset = emu.state.assets.get(session.assetId);
            if (asset)
              emu.fail(asset, `The uploaded chunks could not be assembled: ${(error as Error).message}`);
          });
        }
        emu.state.changed();
        sendJson(ctx.res, 200, {
          ...(done && { url: `${emu.mediaBase(ctx.origin, session.assetId)}/source` }),
          asset_id: session.assetId,
          processed_chunks: processed,
          duplicate_chunks: duplicates,
          total_completed: totalCompleted,
        });
      },
    },
    {
      name: 'multipart.presign',
      method: 'POST',
      path: '/v1.3/assets/multipart-uploads/:uploadId/presigned-urls',
      auth: true,
      handler: async (ctx) => {
        const session = findSession(ctx.params.uploadId!);
        const body = await readJsonObject(ctx.body);
        requireActive(session);
        const { start, count } = body;
        if (start === undefined) throw notProvided('start');
        if (count === undefined) throw notProvided('count');
        if (!Number.isInteger(start) || (start as number) < 1 || (start as number) > session.totalChunks)
          throw invalid('start', `It must be between 1 and ${session.totalChunks}.`);
        if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 50)
          throw invalid('count', 'It must be between 1 and 50.');
        const { urls, expiresAt } = presign(ctx, session, start as number, count as number);
        sendJson(ctx.res, 200, {
          upload_id: session.id,
          start_index: start,
          count: urls.length,
          upload_urls: urls,
          generated_at: new Date().toISOString(),
          expires_at: expiresAt,
        });
      },
    },
    {
      name: 'storage.put',
      method: 'PUT',
      path: '/_storage/:uploadId/:chunkIndex',
      auth: false,
      handler: (ctx) => putChunk(emu, ctx, chunkSizeOf),
    },
  ];
}

/** S3-style error for the storage side: it is not the TwelveLabs API and does not speak its JSON. */
function storageError(status: number, code: string, message: string): ApiError {
  return new ApiError(status, code, message);
}

async function putChunk(
  emu: EmulatorCore,
  ctx: RequestContext,
  chunkSizeOf: (s: UploadSessionRecord, i: number) => number,
): Promise<void> {
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
