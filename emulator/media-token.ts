import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The media URLs an asset detail points at (HLS, thumbnails, the source) carry no key, like a
 * CDN's; what keeps them private is a token in the path: an HMAC of the asset id under a secret
 * of this emulator's, so `/media/<id>` cannot be guessed from an id, and a URL stays valid across
 * restarts of an emulator with a data folder (the app's mirror keeps thumbnail URLs).
 */
export function mediaToken(secret: Buffer, assetId: string): string {
  return createHmac('sha256', secret).update(assetId).digest('base64url').slice(0, 32);
}

export function mediaTokenMatches(secret: Buffer, assetId: string, token: string): boolean {
  const expected = Buffer.from(mediaToken(secret, assetId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The secret of an emulator with a data folder (`media-secret`, 0600), made on first start. */
export async function loadMediaSecret(dataDir: string | undefined): Promise<Buffer> {
  if (!dataDir) return randomBytes(32);
  const path = join(dataDir, 'media-secret');
  try {
    const saved = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
    if (saved.length >= 32) return saved;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  await writeFile(path, secret.toString('base64url'), { mode: 0o600 });
  await chmod(path, 0o600);
  return secret;
}
