/**
 * Issue 18 (f08f5be) says journal lines and whole saves reach the disk in pieces of 32 KB (each
 * string under V8's 128 KB large-object size). Every write of the real ConfDocumentStore to its
 * real files is recorded here (node:fs/promises' FileHandle write, writeFile and appendFile, wrapped, still writing).
 */
import type * as FsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { PersistedDocument } from '../../electron/core/store/persisted-document.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

/** Sizes of the writes made to each file (by path), as they happen. */
const writes = vi.hoisted(() => new Map<string, number[]>());

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const open: typeof real.open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    const path = String(args[0]);
    // Every way a handle writes (write, writeFile, appendFile), each call one recorded piece.
    const methods = handle as unknown as Record<
      'write' | 'writeFile' | 'appendFile',
      (...a: unknown[]) => Promise<unknown>
    >;
    for (const method of ['write', 'writeFile', 'appendFile'] as const) {
      const original = methods[method].bind(handle);
      methods[method] = (...a: unknown[]) => {
        const data = a[0];
        const size = typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).byteLength;
        writes.set(path, [...(writes.get(path) ?? []), size]);
        return original(...a);
      };
    }
    return handle;
  };
  return { ...real, open, default: { ...real, open } };
});

let dir: string;
useTempDirPerTest((path) => (dir = path), 'hostile-s6-pieces-');

type Doc = { items: Record<string, unknown> };

/** A document with `count` entries of ~250 bytes, each marked: one append part (count ≤ 5,000). */
async function bigBatch(count: number) {
  const doc = new PersistedDocument<Doc>(new ConfDocumentStore(dir, 'doc'), () => ({ items: {} }), 60_000);
  await doc.commit();
  writes.clear();
  for (let i = 0; i < count; i++) {
    doc.data.items[`w${i}`] = { i, pad: 'z'.repeat(200) };
    doc.changedAt('items', `w${i}`);
  }
  return doc;
}

const PIECE_LIMIT = 64 * 1024; // 32 KB give or take one entry

describe('writes in pieces', () => {
  it('a whole save of a 1 MB document is written in pieces (the instrument sees pieces)', async () => {
    const doc = await bigBatch(5_000);
    await doc.commit(); // whole
    const sizes = [...writes.entries()].filter(([path]) => path.includes('doc.json')).flatMap(([, s]) => s);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(1_000_000);
    expect(sizes.length).toBeGreaterThan(15);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PIECE_LIMIT);
    await doc.close();
  });

  // Was a defect (fixed with this test): conf-document-store.ts `const APPEND_PIECE_CHARS = 10 ** 9;` although its comment
  // ("well under V8's 128 KB large-object size") and the commit say 32 KB: encodeSome then
  // encodes a whole 5,000-change part (~1.2 MB here; several MB for queue items) into ONE string,
  // written in one write: the large-object garbage the change was meant to avoid. Fix:
  // APPEND_PIECE_CHARS = 32 * 1024 (journal.test.ts only tests encodeSome with a small limit).
  it('a 5,000-change journal part is written in pieces of at most ~64 KB', async () => {
    const doc = await bigBatch(5_000);
    await doc.commitChanges(); // journaled: one part
    const sizes = writes.get(join(dir, 'doc.journal')) ?? [];
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(1_000_000);
    await doc.close();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PIECE_LIMIT); // failed before the fix: one write of ~1.2 MB
  });
});
