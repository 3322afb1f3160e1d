import type { EmulatorCore } from '../core.ts';
import { newObjectId } from '../ids.ts';
import { invalid, isObject, notProvided, readJsonObject, sendJson } from '../http-helpers.ts';
import { describeBytes, type ChunkedKind } from '../limits.ts';
import { pageParams } from '../query.ts';
import type { RequestContext, RouteDefinition } from '../router.ts';
import type { UploadSessionRecord } from '../state.ts';
import { validateMetadata } from '../user-metadata.ts';
import { paginate } from '../wire.ts';
import {
  assembleSession,
  findSession,
  presign,
  requireActive,
  sessionSummary,
} from './multipart-sessions.ts';
import { sendPage } from './page-answer.ts';
import { putChunk } from './multipart-storage.ts';

const MiB = 1024 * 1024;
const TYPES: ChunkedKind[] = ['video', 'audio', 'image'];

/**
 * The multipart upload API (§7) and the presigned chunk URLs it hands out (served here too):
 * each route's handler is named below; the sessions' shared rules are in multipart-sessions.ts,
 * the storage side (the chunk PUT) in multipart-storage.ts.
 */
export function multipartRoutes(emu: EmulatorCore): RouteDefinition[] {
  return [
    {
      name: 'multipart.create',
      method: 'POST',
      path: '/v1.3/assets/multipart-uploads',
      auth: true,
      rateCategory: 'assets:multipart',
      handler: (ctx) => createSession(emu, ctx),
    },
    {
      name: 'multipart.list',
      method: 'GET',
      path: '/v1.3/assets/multipart-uploads',
      auth: true,
      handler: (ctx) => listSessions(emu, ctx),
    },
    {
      name: 'multipart.status',
      method: 'GET',
      path: '/v1.3/assets/multipart-uploads/:uploadId',
      auth: true,
      handler: (ctx) => sessionStatus(emu, ctx),
    },
    {
      name: 'multipart.report',
      method: 'POST',
      path: '/v1.3/assets/multipart-uploads/:uploadId',
      auth: true,
      handler: (ctx) => reportChunks(emu, ctx),
    },
    {
      name: 'multipart.presign',
      method: 'POST',
      path: '/v1.3/assets/multipart-uploads/:uploadId/presigned-urls',
      auth: true,
      handler: (ctx) => presignMore(emu, ctx),
    },
    {
      name: 'storage.put',
      method: 'PUT',
      path: '/_storage/:uploadId/:chunkIndex',
      auth: false,
      handler: (ctx) => putChunk(emu, ctx),
    },
  ];
}

/** Starts a session: the asset is created hidden, the first presigned URLs come with the answer. */
async function createSession(emu: EmulatorCore, ctx: RequestContext): Promise<void> {
  const s = emu.settings;
  const body = await readJsonObject(ctx.body);
  const { filename, type, total_size: totalSize } = body;
  if (filename === undefined) throw notProvided('filename');
  if (typeof filename !== 'string' || filename.length < 1 || filename.length > 255)
    throw invalid('filename', 'It must be between 1 and 255 characters long.');
  if (type === undefined) throw notProvided('type');
  if (!TYPES.includes(type as ChunkedKind)) throw invalid('type', "It must be 'video', 'audio' or 'image'.");
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
  const { urls } = presign(emu, ctx, session, 1, s.initialPresignedUrls);
  sendJson(ctx.res, 201, {
    upload_id: session.id,
    asset_id: asset.id,
    upload_urls: urls,
    upload_headers: {},
    chunk_size: chunkSize,
    total_chunks: session.totalChunks,
    expires_at: session.expiresAt,
  });
}

/** The active sessions, newest first. */
function listSessions(emu: EmulatorCore, ctx: RequestContext): void {
  const paging = pageParams(ctx.url.searchParams);
  const sessions = [...emu.state.sessions.keys()]
    .map((id) => findSession(emu, id))
    .filter((x) => x.status === 'active')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  sendPage(ctx.res, sessions, paging, sessionSummary);
}

/** A session's chunks (paged): reported ones are completed, the rest pending. */
function sessionStatus(emu: EmulatorCore, ctx: RequestContext): void {
  const session = findSession(emu, ctx.params.uploadId!);
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
}

/** Chunks reported with their ETag proofs; the last one completes the session. */
async function reportChunks(emu: EmulatorCore, ctx: RequestContext): Promise<void> {
  const session = findSession(emu, ctx.params.uploadId!);
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
    void assembleSession(emu, session).catch((error: unknown) => {
      const asset = emu.state.assets.get(session.assetId);
      if (asset) emu.fail(asset, `The uploaded chunks could not be assembled: ${(error as Error).message}`);
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
}

/** More presigned URLs for a session's chunks. */
async function presignMore(emu: EmulatorCore, ctx: RequestContext): Promise<void> {
  const session = findSession(emu, ctx.params.uploadId!);
  const body = await readJsonObject(ctx.body);
  requireActive(session);
  const { start, count } = body;
  if (start === undefined) throw notProvided('start');
  if (count === undefined) throw notProvided('count');
  if (!Number.isInteger(start) || (start as number) < 1 || (start as number) > session.totalChunks)
    throw invalid('start', `It must be between 1 and ${session.totalChunks}.`);
  if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 50)
    throw invalid('count', 'It must be between 1 and 50.');
  const { urls, expiresAt } = presign(emu, ctx, session, start as number, count as number);
  sendJson(ctx.res, 200, {
    upload_id: session.id,
    start_index: start,
    count: urls.length,
    upload_urls: urls,
    generated_at: new Date().toISOString(),
    expires_at: expiresAt,
  });
}
