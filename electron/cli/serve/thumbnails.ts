import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { UploaderCore } from '../../core/uploader-core.ts';
import { RequestRefused } from './request-target.ts';
import { sendBytes } from './security-headers.ts';

/** The platform's asset ids (MongoDB ObjectIds); nothing else is looked up or touches a path. */
const ASSET_ID = /^[0-9a-f]{24}$/;
/** A cached thumbnail is a few hundred kB; anything far larger is not one of ours. */
const MAX_THUMBNAIL_BYTES = 20 * 1024 * 1024;

/** The exact type from the file's first bytes: the cache stores what the platform sent. */
export function imageType(head: Buffer): string | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  if (/^GIF8[79]a$/.test(head.subarray(0, 6).toString('latin1'))) return 'image/gif';
  return undefined;
}

export async function sendThumbnail(core: UploaderCore, res: ServerResponse, id: string): Promise<void> {
  if (!ASSET_ID.test(id)) throw new RequestRefused(404, 'No such asset.');
  const path = core.library.detail(id)?.asset.thumbnailPath;
  if (!path) throw new RequestRefused(404, 'No cached thumbnail.');
  // A cached file removed or unreadable is no thumbnail to send: the 404 says so, nothing to log.
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) throw new RequestRefused(404, 'No cached thumbnail.');
  try {
    const { size } = await handle.stat();
    if (size > MAX_THUMBNAIL_BYTES) throw new RequestRefused(404, 'No cached thumbnail.');
    const body = await handle.readFile();
    const type = imageType(body);
    if (!type) throw new RequestRefused(404, 'The cached thumbnail is not an image.');
    sendBytes(res, 200, type, body);
  } finally {
    await handle.close();
  }
}
