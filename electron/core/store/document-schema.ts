import { z } from 'zod';
import type { JournalShape } from './journal.ts';

/**
 * How a persisted document is checked when it is loaded (DESIGN: nothing on disk is trusted).
 * A file may have been cut by a crash, edited by hand, written by another version or replaced by
 * anything at all: every entry is checked on its own, a bad one is repaired (a field put back to
 * its default) or dropped, the rest is kept, and every change is said in `problems`.
 */
export interface DocumentSchema<T> {
  /** What it is, for people: "the upload queue". */
  readonly label: string;
  readonly initial: () => T;
  /** Which paths its journal may name (journal.ts). */
  readonly journal: JournalShape;
  /** The checked document, built from `raw` (the loaded file over `initial()`). */
  check(raw: Record<string, unknown>, problems: string[]): T;
  /** What was kept, for the message after damage: "3 items and 12 history entries". */
  kept?(data: T): string;
}

/** A map of entries by id, with a null prototype: an id such as `constructor` is only a key. */
export function emptyMap<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Ids we accept from disk for anything that may name a file or a URL path: no separators, no dots. */
export const safeId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'not a valid id');
export const epochMs = z.number().finite().nonnegative();
export const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** One entry: fields it cannot do without, and fields that are put right (dropped) on their own. */
export interface EntryShape {
  required: Record<string, z.ZodType>;
  optional: Record<string, z.ZodType>;
}

const wholeSchemas = new WeakMap<EntryShape, z.ZodType>();

/**
 * The entry shape as one schema, for the verdict only (the entry itself is kept as it was, unknown
 * fields included): zod strips unknown keys far faster than it passes them through.
 */
function wholeSchema(shape: EntryShape): z.ZodType {
  let schema = wholeSchemas.get(shape);
  if (!schema) {
    const optional = Object.fromEntries(Object.entries(shape.optional).map(([k, v]) => [k, v.optional()]));
    schema = z.object({ ...shape.required, ...optional });
    wholeSchemas.set(shape, schema);
  }
  return schema;
}

export type EntryResult =
  { ok: true; value: Record<string, unknown>; repaired: string[] } | { ok: false; reason: string };

/**
 * Checks one entry: any required field invalid drops it; an invalid optional field is removed
 * (and named in `repaired`). Unknown fields are kept as they are: a newer version may have
 * written them, and they reach nothing until code reads them.
 */
export function checkEntry(value: unknown, shape: EntryShape): EntryResult {
  if (!isRecord(value)) return { ok: false, reason: 'not an object' };
  // Nearly every entry is sound: one parse of the whole entry (a third of the cost of one per
  // field, which took seconds for a queue of 100,000 items); field by field only when it fails.
  if (wholeSchema(shape).safeParse(value).success && !Object.hasOwn(value, '__proto__'))
    return { ok: true, value: { ...value }, repaired: [] };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (key !== '__proto__') out[key] = value[key];
  for (const [key, schema] of Object.entries(shape.required)) {
    const parsed = schema.safeParse(value[key]);
    if (!parsed.success)
      return { ok: false, reason: `${key} ${parsed.error.issues[0]?.message ?? 'invalid'}` };
    out[key] = parsed.data;
  }
  const repaired: string[] = [];
  for (const [key, schema] of Object.entries(shape.optional)) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) continue;
    const parsed = schema.safeParse(value[key]);
    if (parsed.success) out[key] = parsed.data;
    else {
      delete out[key];
      repaired.push(key);
    }
  }
  return { ok: true, value: out, repaired };
}

/** Names entries for a message: the first few, then how many more. */
export function someNames(names: string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What `checkMap` makes of one entry: kept (perhaps repaired), or dropped for a reason. */
export type MapEntryResult<V> = { ok: true; value: V; repaired?: string[] } | { ok: false; reason: string };

/**
 * The entry check of a map whose keys and values each have a schema of their own (the thumbnail
 * cache by asset id, the ledger by content hash…): an entry under a key that is not one
 * (`keyReason` says what it should be) or whose value does not read is dropped whole.
 */
export function keyedEntry<V>(
  key: z.ZodType,
  keyReason: string,
  value: z.ZodType<V>,
): (raw: unknown, id: string) => MapEntryResult<V> {
  return (raw, id) => {
    if (!key.safeParse(id).success) return { ok: false, reason: keyReason };
    const parsed = value.safeParse(raw);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: 'unreadable' };
  };
}

/**
 * The schema of a document that is one map (`{version: 1, [field]: {key: value}}`, such as the
 * thumbnail cache index and the upload ledger): each entry kept or dropped whole by `keyedEntry`,
 * and what was kept said by `kept` from the number of entries.
 */
export function oneMapDocument<F extends string, V>(parts: {
  label: string;
  field: F;
  /** One entry, for people: "cached thumbnail". */
  what: string;
  key: z.ZodType;
  keyReason: string;
  value: z.ZodType<V>;
  kept: (entries: number) => string;
}): DocumentSchema<{ version: 1 } & { [K in F]: Record<string, V> } & Record<string, unknown>> {
  type Doc = { version: 1 } & { [K in F]: Record<string, V> } & Record<string, unknown>;
  const { label, field, what, key, keyReason, value, kept } = parts;
  return {
    label,
    initial: () => ({ version: 1, [field]: {} }) as Doc,
    journal: { version: 1, [field]: 2 },
    check: (raw, problems) =>
      ({
        ...raw,
        version: 1,
        [field]: checkMap(raw[field], what, problems, keyedEntry(key, keyReason, value)),
      }) as Doc,
    kept: (data) => kept(Object.keys(data[field]).length),
  };
}

/**
 * A map of entries by id: each entry checked on its own (`check` returns the entry, or a reason to
 * drop it), the good ones kept in a null-prototype map. `what` names one entry ("queue item");
 * `nameOf` gives a dropped entry a name a person recognises.
 */
export function checkMap<V>(
  raw: unknown,
  /** One entry, or one and many ("delete waiting for the network", "deletes waiting …"). */
  what: string | readonly [string, string],
  problems: string[],
  check: (value: unknown, id: string) => MapEntryResult<V>,
  // Quoted and escaped: an id read from a damaged file may hold anything, terminal escapes too.
  nameOf: (value: unknown, id: string) => string = (_value, id) => JSON.stringify(id.slice(0, 80)),
): Record<string, V> {
  const [one, many] = typeof what === 'string' ? [what, `${what}s`] : what;
  const out = emptyMap<V>();
  if (raw === undefined) return out;
  if (!isRecord(raw)) {
    problems.push(
      `its ${many} were unreadable (${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}) and could not be kept`,
    );
    return out;
  }
  const dropped: string[] = [];
  const repaired: string[] = [];
  for (const id of Object.keys(raw)) {
    const result = check(raw[id], id);
    if (!result.ok) dropped.push(`${nameOf(raw[id], id)} (${result.reason})`);
    else {
      out[id] = result.value;
      if (result.repaired?.length) repaired.push(`${nameOf(raw[id], id)} (${result.repaired.join(', ')})`);
    }
  }
  if (dropped.length > 0)
    problems.push(
      `${plural(dropped.length, one, many)} could not be read and ${dropped.length === 1 ? 'was' : 'were'} dropped: ${someNames(dropped)}`,
    );
  if (repaired.length > 0)
    problems.push(
      `${plural(repaired.length, one, many)} had unreadable fields, which were reset: ${someNames(repaired)}`,
    );
  return out;
}

/**
 * A top-level value checked with its schema; when it is there but invalid, `fallback` replaces it
 * and the problem is said.
 */
export function checkField<V>(
  raw: Record<string, unknown>,
  key: string,
  schema: z.ZodType<V>,
  fallback: V,
  problems: string[],
  what = key,
): V {
  if (!Object.hasOwn(raw, key) || raw[key] === undefined) return fallback;
  const parsed = schema.safeParse(raw[key]);
  if (parsed.success) return parsed.data;
  problems.push(
    `${what} was unreadable (${JSON.stringify(raw[key])?.slice(0, 40) ?? typeof raw[key]}) and was reset`,
  );
  return fallback;
}
