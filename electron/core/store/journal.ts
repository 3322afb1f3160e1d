import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { DocumentChange } from './document-store.ts';
import { temporaryPath } from './json-writer.ts';

/**
 * The journal of a document: a first line naming the generation of the save it continues, then
 * one changed value per line, in order. A save starts a new generation (written into the document
 * itself) and a new journal; a journal whose generation is not the document's is left over from
 * before that save (a crash between the two writes) and already contained in it.
 *
 * Nothing in it is trusted: a line may only name one of the document's own entries (its shape,
 * below). A path through `__proto__` would otherwise reach Object.prototype and change every
 * object of the process; one naming an unknown key would smuggle data past the document's schema.
 */

/** The key under which a saved document carries its generation. */
export const GENERATION_KEY = '__journalGeneration';

/**
 * Which paths a document's journal may name: for each top-level key, the length of a path under
 * it (`items: 2` = `["items", id]`, `paused: 1` = `["paused"]`); `0` allows any length. Without a
 * shape (a store read by a test) any key but those reaching a prototype is allowed.
 */
export type JournalShape = Readonly<Record<string, number>>;

/** Keys that reach a prototype: never part of a path, at any depth. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

interface Line {
  /** Path of keys. */
  p: string[];
  /** The value, absent when removed. */
  v?: unknown;
  /** 1 when the value was removed. */
  d?: 1;
}

/**
 * The lines of changes[from…], up to the first that takes the text past `maxChars`, and where the
 * next one starts: a journal append encodes a batch a piece at a time, each piece a string small
 * enough to be collected young (over 128 KB, a string lives among large objects, freed only by a
 * full collection: a first scan of 100,000 files left tens of MB of them waiting for one).
 */
export function encodeSome(
  changes: readonly DocumentChange[],
  from: number,
  maxChars: number,
): { text: string; next: number } {
  let text = '';
  let next = from;
  while (next < changes.length && text.length < maxChars) {
    const change = changes[next++]!;
    const line: Line = change.removed ? { p: change.path, d: 1 } : { p: change.path, v: change.value };
    text += `${JSON.stringify(line)}\n`;
  }
  return { text, next };
}

/**
 * Whether a path names one of the document's own entries. `__proto__`, `constructor` and
 * `prototype` are refused at the top (no document has such a key); below it a key may be any
 * string, and `__proto__` only as the entry's own key, last (a file of that name in a watched
 * folder): applyChanges defines it as an own property, never through the setter, and the schemas
 * move entries into null-prototype maps. Never as a container on the way to another value.
 */
export function pathAllowed(path: readonly unknown[], shape: JournalShape | undefined): path is string[] {
  const last = path.length - 1;
  if (
    path.length === 0 ||
    !path.every((key, i) => typeof key === 'string' && (key !== '__proto__' || (i === last && i > 0)))
  )
    return false;
  const top = path[0] as string;
  if (FORBIDDEN.has(top)) return false;
  if (!shape) return true;
  if (!Object.hasOwn(shape, top)) return false;
  const length = shape[top]!;
  return length === 0 || path.length === length;
}

export interface JournalRead {
  changes: DocumentChange[];
  bytes: number;
  /** Whether it may be appended to: false after a torn or unreadable line. */
  intact: boolean;
  /** Lines that could not be used (not JSON, or naming something that is not the document's). */
  rejected: number;
  /** The first line did not name a generation: the journal is damaged. */
  badHeader: boolean;
  /** Bytes past `maxBytes` that were not read (a journal far longer than any we write). */
  unread: number;
  /** The journal is there but could not be read (its error code): nothing of it was applied. */
  unreadable?: string;
}

/**
 * The changes recorded after the save of `generation`, in order; none when the journal is
 * missing or belongs to another generation (`generation` undefined: the document could not be
 * read, so any journal is taken as continuing it). A torn last line (a crash mid-append) ends the
 * journal: what it held was never reported saved. A bad line elsewhere is damage: it is skipped
 * and counted, the lines after it are still whole. `intact` is false then, and the journal must
 * not be appended to: a new line would continue the torn one.
 */
export function readJournal(
  path: string,
  generation: number | undefined,
  shape: JournalShape | undefined,
  /** Reads no more than this: a journal of 100 MB of junk must not stall the start for long. */
  maxBytes = Infinity,
): JournalRead | undefined {
  let text: string;
  let unread = 0;
  /** On disk (a decoded string of invalid UTF-8 is longer than its bytes). */
  let size: number;
  try {
    size = statSync(path).size;
    if (size <= maxBytes) text = readFileSync(path, 'utf8');
    else {
      const head = Buffer.alloc(maxBytes);
      const fd = openSync(path, 'r');
      try {
        text = head.subarray(0, readSync(fd, head, 0, maxBytes, 0)).toString('utf8');
      } finally {
        closeSync(fd);
      }
      unread = size - maxBytes;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    // No journal is the common case; a folder in its place is said by the caller.
    if (code === 'ENOENT' || code === 'EISDIR') return undefined;
    return {
      changes: [],
      bytes: 0,
      intact: false,
      rejected: 0,
      badHeader: false,
      unread: 0,
      unreadable: code,
    };
  }
  const lines = text.split('\n');
  let header: { generation?: unknown } | undefined;
  try {
    header = JSON.parse(lines[0] ?? '') as { generation?: unknown };
  } catch {
    header = undefined; // said as badHeader just below
  }
  const badHeader = typeof header?.generation !== 'number';
  // A header is written whole and atomically (startJournal): an unreadable one is damage, and
  // its lines are more likely newer than the document than older, so they are applied.
  if (!badHeader && generation !== undefined && header!.generation !== generation) return undefined;
  const changes: DocumentChange[] = [];
  const last = text.endsWith('\n') ? lines.length - 1 : lines.length - 2;
  let intact = text.endsWith('\n') && !badHeader;
  let rejected = 0;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (!raw) continue;
    let line: Partial<Line> | undefined;
    try {
      // Every line we write is an object: anything else is refused without a (slow) failed parse.
      line = raw.charCodeAt(0) === 123 ? (JSON.parse(raw) as Partial<Line>) : undefined;
    } catch {
      line = undefined; // counted as rejected just below
    }
    if (!line || typeof line !== 'object' || !Array.isArray(line.p) || !pathAllowed(line.p, shape)) {
      intact = false;
      // A last line without its newline was torn by a crash: never reported saved, not damage.
      if (i <= last) rejected++;
      continue;
    }
    changes.push(line.d ? { path: line.p, removed: true } : { path: line.p, value: line.v });
  }
  if (unread > 0) intact = false;
  return { changes, bytes: size, intact, rejected, badHeader, unread };
}

function isContainer(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Applies changes to a loaded document, creating the maps along each path as needed (with null
 * prototypes). Only own properties are followed, and paths are checked again here, so no change
 * can reach a prototype whatever its source.
 */
export function applyChanges(
  data: Record<string, unknown>,
  changes: readonly DocumentChange[],
  shape: JournalShape | undefined,
): void {
  for (const { path, value, removed } of changes) {
    if (!pathAllowed(path, shape)) continue;
    let node: Record<string, unknown> | undefined = data;
    for (const key of path.slice(0, -1)) {
      const next: unknown = Object.hasOwn(node, key) ? node[key] : undefined;
      if (isContainer(next)) node = next;
      // A removal under a value that is not there removes nothing (and makes nothing up).
      else if (removed) {
        node = undefined;
        break;
      } else node = setOwn(node, key, Object.create(null) as Record<string, unknown>);
    }
    const last = path[path.length - 1]!;
    if (!node) continue;
    if (removed) delete node[last];
    else setOwn(node, last, value);
  }
}

/** Sets an own property whatever its name: never a setter such as `__proto__`'s. */
function setOwn<V>(node: Record<string, unknown>, key: string, value: V): V {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

/** Replaces the journal with an empty one for `generation` (atomically); returns its size. */
export async function startJournal(path: string, generation: number): Promise<number> {
  const header = `${JSON.stringify({ generation })}\n`;
  const tmp = temporaryPath(path);
  try {
    await writeFile(tmp, header, { mode: 0o600 }); // the person's data: their user only
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined); // no leftover on a full disk
    throw error;
  }
  return Buffer.byteLength(header);
}
