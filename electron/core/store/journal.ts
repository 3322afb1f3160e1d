import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { DocumentChange } from './document-store.ts';

/**
 * The journal of a document: a first line naming the generation of the save it continues, then
 * one changed value per line, in order. A save starts a new generation (written into the document
 * itself) and a new journal; a journal whose generation is not the document's is left over from
 * before that save (a crash between the two writes) and already contained in it.
 */

/** The key under which a saved document carries its generation. */
export const GENERATION_KEY = '__journalGeneration';

interface Line {
  /** Path of keys. */
  p: string[];
  /** The value, absent when removed. */
  v?: unknown;
  /** 1 when the value was removed. */
  d?: 1;
}

export function encodeChanges(changes: readonly DocumentChange[]): string {
  let text = '';
  for (const change of changes) {
    const line: Line = change.removed ? { p: change.path, d: 1 } : { p: change.path, v: change.value };
    text += `${JSON.stringify(line)}\n`;
  }
  return text;
}

/**
 * The changes recorded after the save of `generation`, in order; none when the journal is
 * missing or belongs to another generation. A torn last line (a crash mid-append) ends the
 * journal: what it held was never reported saved. `intact` is false then, and the journal must
 * not be appended to: a new line would continue the torn one, and a reader would stop there
 * before reaching it.
 */
export function readJournal(
  path: string,
  generation: number,
): { changes: DocumentChange[]; bytes: number; intact: boolean } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  let header: { generation?: unknown } | undefined;
  try {
    header = JSON.parse(lines[0] ?? '') as { generation?: unknown };
  } catch {
    return undefined;
  }
  if (header?.generation !== generation) return undefined;
  const changes: DocumentChange[] = [];
  let intact = text.endsWith('\n');
  for (const raw of lines.slice(1)) {
    if (!raw) continue;
    let line: Line | undefined;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      line = undefined;
    }
    if (!line || !Array.isArray(line.p) || line.p.length === 0) {
      intact = false;
      break;
    }
    changes.push(line.d ? { path: line.p, removed: true } : { path: line.p, value: line.v });
  }
  return { changes, bytes: Buffer.byteLength(text), intact };
}

/** Applies changes to a loaded document, creating the objects along each path as needed. */
export function applyChanges(data: Record<string, unknown>, changes: readonly DocumentChange[]): void {
  for (const { path, value, removed } of changes) {
    let node = data;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === null || typeof next !== 'object') node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (removed) delete node[last];
    else node[last] = value;
  }
}

/** Replaces the journal with an empty one for `generation` (atomically); returns its size. */
export async function startJournal(path: string, generation: number): Promise<number> {
  const header = `${JSON.stringify({ generation })}\n`;
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, header, { mode: 0o600 }); // the person's data: their user only
  await rename(tmp, path);
  return Buffer.byteLength(header);
}
