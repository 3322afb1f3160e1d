import { invalid, isObject } from './http-helpers.ts';
import type { UserMetadata } from './state.ts';

type Value = string | number | boolean | null;

/** Values must be string, integer, float or boolean (§1.1); PATCH also allows null (delete the key). */
export function validateMetadata(value: unknown, allowNull: boolean): Record<string, Value> {
  if (!isObject(value)) throw invalid('user_metadata', 'It must be an object.');
  for (const [key, v] of Object.entries(value)) {
    const ok = ['string', 'number', 'boolean'].includes(typeof v) || (allowNull && v === null);
    if (!ok || (typeof v === 'number' && !Number.isFinite(v)))
      throw invalid('user_metadata', `The value of "${key}" must be a string, number or boolean.`);
  }
  return value as Record<string, Value>;
}

/** `user_metadata` inside a multipart form is a JSON-encoded string (§1.2). */
export function parseMetadataField(raw: string): UserMetadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('user_metadata', 'It must be a JSON-encoded object.');
  }
  return validateMetadata(parsed, false) as UserMetadata;
}

/** PATCH merges: a value sets, null deletes, "" is ignored, an omitted key stays. */
export function mergeMetadata(current: UserMetadata | undefined, patch: Record<string, Value>): UserMetadata {
  const next: UserMetadata = { ...current };
  for (const [key, v] of Object.entries(patch)) {
    if (v === '') continue;
    if (v === null) delete next[key];
    else next[key] = v;
  }
  return next;
}

/** PUT replaces: a value sets, "" and null are ignored, every omitted key goes. */
export function replaceMetadata(replacement: Record<string, Value>): UserMetadata {
  const next: UserMetadata = {};
  for (const [key, v] of Object.entries(replacement)) if (v !== '' && v !== null) next[key] = v;
  return next;
}
