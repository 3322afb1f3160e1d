import { randomBytes } from 'node:crypto';

/**
 * Ids look like the platform's (MongoDB ObjectIds: 24 lowercase hex characters): 4 bytes of
 * seconds, then random bytes, so ids sort roughly by creation time as the real ones do.
 */
export function newObjectId(now: number = Date.now()): string {
  const seconds = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + randomBytes(8).toString('hex');
}
