/**
 * Hostile tests of 44f7341: a watched folder's items keep the folder's name (`sourceFolder`) and
 * their origin, and `source_folder`/`relative_path` are joined when sent or shown. Real folders,
 * the real queue, FolderSync and stores, the emulator over real HTTP: what the library receives is
 * read back from the emulator's assets.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wav, writeFixture } from '../helpers/media.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import {
  control,
  dataDir,
  emulator,
  n,
  settled,
  setRunning,
  startAll,
  statusWhere,
  stopAll,
  useSyncSuite,
  watched,
} from '../helpers/sync-suite.ts';

useSyncSuite();

/** The library's assets, by filename: what the platform was sent. */
async function metadataByName(): Promise<Record<string, unknown>> {
  const res = await fetch(`${emulator.url}/assets?page_limit=50`, { headers: { 'x-api-key': 'k' } });
  const body = (await res.json()) as { data: Array<{ filename: string; user_metadata?: unknown }> };
  return Object.fromEntries(body.data.map((a) => [a.filename, a.user_metadata ?? null]));
}

describe('path metadata of watched-folder items, hostile', () => {
  it('a duplicate uploaded anyway after a restart, refused once and retried, still carries its metadata', async () => {
    const same = wav(0.4);
    await writeFixture(join(watched, 'a.wav'), same);
    await mkdir(join(watched, 'sub'));
    await writeFixture(join(watched, 'sub', 'b.wav'), same);
    const first = await startAll();
    await first.sync.addFolder(watched, { stabilityMs: 200 });
    await waitFor(
      first.harness.queue,
      (items) =>
        items.length === 2 &&
        items.every((i) => i.state !== 'queued' && ['ready', 'duplicate'].includes(i.state)),
    );
    await statusWhere(first.sync, settled);
    await stopAll();
    // A new process: only what was saved (the folder's name and the origin) is left.
    const second = await startAll();
    const dup = second.harness.queue.list().find((i) => i.state === 'duplicate');
    expect(dup).toBeDefined();
    const rel = dup!.origin!.relativePath;
    const expected = { source_folder: `watched-${n}`, relative_path: rel };
    expect(dup!.options.userMetadata).toEqual(expected); // shown, after the restart
    await control.addFaults({
      kind: 'status',
      route: 'assets.create',
      status: 400,
      count: 1,
      body: { code: 'parameter_invalid', message: 'refused once' },
    });
    second.harness.queue.uploadAnyway(dup!.id);
    await waitFor(second.harness.queue, (items) => items.find((i) => i.id === dup!.id)?.state === 'failed');
    second.harness.queue.retry(dup!.id);
    await waitFor(second.harness.queue, (items) => items.find((i) => i.id === dup!.id)?.state === 'ready');
    const sent = (await control.requests('assets.create')).filter((r) => r.status === 201);
    expect(sent).toHaveLength(2); // the first upload, and the one "anyway"
    const assets = await metadataByName();
    const other = rel === 'a.wav' ? 'sub/b.wav' : 'a.wav';
    expect(Object.keys(assets)).toHaveLength(2);
    const byRel = Object.values(assets)
      .map((m) => (m as { relative_path: string }).relative_path)
      .sort();
    expect(byRel).toEqual(['a.wav', 'sub/b.wav']);
    expect(Object.values(assets)).toContainEqual(expected);
    expect(Object.values(assets)).toContainEqual({ source_folder: `watched-${n}`, relative_path: other });
  }, 60_000);

  it('a queue.json of an earlier version (metadata in the options) and a damaged item (no origin) upload as saved', async () => {
    // Files to upload; the queue document as an earlier version wrote it, plus one item with the
    // new field but no origin (damaged by hand): loaded, then sent over HTTP.
    const files = ['old.wav', 'both.wav', 'orphan.wav'];
    for (const [i, name] of files.entries()) await writeFixture(join(watched, name), wav(0.3 + i * 0.1));
    const base = (id: string, name: string, order: number) => ({
      id,
      source: { kind: 'file', path: join(watched, name) },
      name,
      state: 'queued',
      addedAt: Date.now(),
      order,
    });
    await mkdir(dataDir, { recursive: true });
    const items = {
      old: {
        ...base('old', 'old.wav', 1),
        options: { userMetadata: { source_folder: 'earlier', relative_path: 'old.wav', shoot: 'day 1' } },
        origin: { folderId: 'f-gone', relativePath: 'old.wav' },
      },
      both: {
        ...base('both', 'both.wav', 2),
        // Both ways at once: the saved name and origin win, each key once.
        options: { userMetadata: { source_folder: 'stale', relative_path: 'stale.wav', shoot: 'day 2' } },
        origin: { folderId: 'f-gone', relativePath: 'cards/both.wav' },
        sourceFolder: 'footage',
      },
      orphan: { ...base('orphan', 'orphan.wav', 3), options: {}, sourceFolder: 'footage' },
    };
    await writeFile(
      join(dataDir, 'queue.json'),
      JSON.stringify({ version: 1, items, history: [], paused: false }),
    );
    const harness = makeQueue(emulator.url, dataDir);
    setRunning(undefined);
    try {
      expect(harness.queue.recovered).toBeUndefined();
      expect(harness.queue.get('orphan')!.options).toEqual({});
      expect(harness.queue.get('both')!.options.userMetadata).toEqual({
        source_folder: 'footage',
        relative_path: 'cards/both.wav',
        shoot: 'day 2',
      });
      harness.queue.start();
      await waitFor(harness.queue, (list) => list.length === 3 && list.every((i) => i.state === 'ready'));
    } finally {
      await harness.close();
    }
    expect(await metadataByName()).toEqual({
      'old.wav': { source_folder: 'earlier', relative_path: 'old.wav', shoot: 'day 1' },
      'both.wav': { source_folder: 'footage', relative_path: 'cards/both.wav', shoot: 'day 2' },
      'orphan.wav': null,
    });
  }, 60_000);

  // Was a defect (fixed with this test; latent today: checkWatchable refuses a disk's root, the one folder whose basename is
  // ''; `E:\\` on Windows, `/` here). The queue saves what its loader refuses: queue-intake.ts
  // createItem keeps `sourceFolder: origin && sourceFolder`, so '' is saved, while item-schema.ts
  // has `sourceFolder: z.string().min(1)`. Shown and sent with source_folder '' until a restart;
  // then the field is dropped, the queue is reported DAMAGED and the item loses relative_path
  // too (uploadOptions needs sourceFolder). Before 44f7341 the metadata sat in the options, where
  // '' is valid, and survived. Fix: one rule for both sides (z.string().max(4096) in the schema,
  // or createItem/prepare refusing '' and keeping the metadata in the options instead).
  it('an item of a folder whose name is "" (a drive root) keeps its metadata across a restart', async () => {
    await writeFixture(join(watched, 'clip.wav'), wav(0.3));
    const harness = makeQueue(emulator.url, dataDir);
    setRunning(undefined);
    harness.queue.pauseAll();
    const { added } = await harness.queue.add([
      {
        kind: 'file',
        path: join(watched, 'clip.wav'),
        options: {},
        origin: { folderId: 'f-root', relativePath: 'DCIM/clip.wav' },
        sourceFolder: '', // what prepare() passes for E:\ (basename)
      },
    ]);
    const before = added[0]!.options;
    expect(before.userMetadata?.relative_path).toBe('DCIM/clip.wav');
    await harness.close();
    const again = makeQueue(emulator.url, dataDir);
    try {
      expect(again.queue.recovered).toBeUndefined(); // failed before the fix: "The upload queue … was damaged"
      expect(again.queue.get(added[0]!.id)!.options).toEqual(before); // failed before the fix: metadata gone
    } finally {
      await again.close();
    }
  });
});
