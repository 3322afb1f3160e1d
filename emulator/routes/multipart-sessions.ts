import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { EmulatorCore } from '../core.ts';
import { ApiError, notFound } from '../http-helpers.ts';
import type { RequestContext } from '../router.ts';
import { sniff, SNIFF_BYTES } from '../sniff.ts';
import type { UploadSessionRecord } from '../state.ts';

// The multipart upload sessions (§7) shared by the API's handlers (multipart.ts) and the
// storage side (multipart-storage.ts): lookup with expiry, presigned URLs, assembly.

/** The session, marked expired when its time has passed; a 404 when there is none. */
export function findSession(emu: EmulatorCore, id: string): UploadSessionRecord {
  const session = emu.state.sessions.get(id);
  if (!session) throw notFound(id, 'multipart uploads');
  if (session.status === 'active' && Date.parse(session.expiresAt) <= Date.now()) {
    session.status = 'expired';
    emu.state.changed();
  }
  return session;
}

export function requireActive(session: UploadSessionRecord): void {
  if (session.status === 'expired')
    throw new ApiError(
      400,
      'upload_expired',
      `The upload session ${session.id} has expired. Start a new upload.`,
    );
  if (session.status !== 'active')
    throw new ApiError(400, 'upload_not_active', `The upload session ${session.id} is ${session.status}.`);
}

/** Presigned chunk URLs for chunks start..start+count-1 (never past the last chunk). */
export function presign(
  emu: EmulatorCore,
  ctx: RequestContext,
  session: UploadSessionRecord,
  start: number,
  count: number,
) {
  const s = emu.settings;
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
}

/** Every chunk is chunkSize bytes but the last, which holds the rest. */
export function chunkSizeOf(session: UploadSessionRecord, index: number): number {
  return index < session.totalChunks
    ? session.chunkSize
    : session.totalSize - session.chunkSize * (session.totalChunks - 1);
}

/** All chunks reported: the pieces become one file and the asset starts processing. */
export async function assembleSession(emu: EmulatorCore, session: UploadSessionRecord): Promise<void> {
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
  let bytesRead: number;
  try {
    ({ bytesRead } = await fd.read(head, 0, SNIFF_BYTES, 0));
  } finally {
    await fd.close(); // a failed read must not leave the blob open until garbage collection
  }
  asset.blobPath = emu.blobs.blobPath(asset.id);
  asset.sniffed = sniff(head.subarray(0, bytesRead));
  asset.size = session.totalSize;
  asset.hidden = false;
  emu.state.changed();
  emu.scheduleProcessing(asset.id);
}

/** A session as the list endpoint shows it. */
export function sessionSummary(x: UploadSessionRecord) {
  return {
    upload_id: x.id,
    status: x.status,
    total_size: x.totalSize,
    chunk_size: x.chunkSize,
    total_chunks: x.totalChunks,
    created_at: x.createdAt,
    expires_at: x.expiresAt,
  };
}
