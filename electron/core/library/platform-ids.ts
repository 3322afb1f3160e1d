/**
 * Ids the platform hands out (assets, upload sessions, indexes) are MongoDB ObjectIds: 24
 * hexadecimal digits (reference §2, "IDs"). Nothing else is accepted where an id names a file,
 * keys a map or goes into a document: an id of `../../x` must never become a path, and one of
 * `constructor`, `toString` or `__proto__` never a property lookup that finds something.
 */
import type { Logger } from '../ports.ts';

const PLATFORM_ID = /^[0-9a-f]{24}$/i;

export function isPlatformId(value: unknown): value is string {
  return typeof value === 'string' && PLATFORM_ID.test(value);
}

/** An id from the platform (or from disk) that is not one: refused, never used. */
export class InvalidPlatformId extends Error {
  constructor(
    readonly id: unknown,
    what = 'asset',
  ) {
    super(
      `The platform sent an ${what} id that is not valid (${describeId(id)}); it was ignored. ` +
        'TwelveLabs ids are 24 hexadecimal characters: check that the API address in Settings is TwelveLabs or its Sandbox.',
    );
    this.name = 'InvalidPlatformId';
  }
}

/** The id made safe to show: quoted, cut short, control characters escaped by JSON. */
export function describeId(id: unknown): string {
  if (typeof id !== 'string') return `a ${id === null ? 'null' : typeof id}`;
  return JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id);
}

/** The id, when it is one; else an InvalidPlatformId saying so. */
export function checkPlatformId(id: unknown, what = 'asset'): string {
  if (!isPlatformId(id)) throw new InvalidPlatformId(id, what);
  return id;
}

/** Whether an id the platform sent can be used; one that cannot is logged (safely) and refused. */
export function acceptPlatformId(id: unknown, logger: Logger, what = 'asset'): id is string {
  if (isPlatformId(id)) return true;
  logger.warn(`${what} with an id that is not valid ignored`, { id: describeId(id) });
  return false;
}
