/** Watched folders, real queue, emulator: finished files only, identity by content, what is uploaded. */
import { copyFile, mkdir, open, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { previewFolder } from '../../electron/core/sync/folder-preview.ts';
import { JPEG_16x8, mp4, png, pseudoRandom, wav, writeFixture } from '../helpers/media.ts';
import { waitFor } from '../helpers/queue-harness.ts';
import {
  assetNames,
  control,
  creates,
  emulator,
  n,
  running,
  settled,
  startAll,
  statusWhere,
  stopAll,
  useSyncSuite,
  watched,
} from '../helpers/sync-suite.ts';

useSyncSuite();

describe('finished files only, exactly once', () => {
  it('waits for a writer appending a 300 MB file in bursts, then uploads it once', async () => {
    const { sync, harness } = await startAll();
    const stabilityMs = 4_000;
    await sync.addFolder(watched, { stabilityMs });
    const file = await open(join(watched, 'recording.mp4'), 'w');
    const header = mp4({ payloadBytes: 0 });
    await file.write(header);
    let addedAt = 0;
    harness.queue.on('item-added', () => (addedAt = Date.now()));
    let bytes = pseudoRandom(50 * 1024 * 1024, 0);
    for (let burst = 0; burst < 6; burst++) {
      await file.write(bytes);
      const wroteAt = Date.now();
      expect(addedAt, `handed over during burst ${burst}`).toBe(0);
      // Real time must pass for the stability rule: a pause of half its interval, counted from the
      // end of the write and taking in the making of the next burst, so the file keeps changing
      // within it with half the interval to spare for a loaded machine's late timers.
      if (burst < 5) bytes = pseudoRandom(50 * 1024 * 1024, burst + 1);
      await new Promise((r) => setTimeout(r, Math.max(0, wroteAt + stabilityMs / 2 - Date.now())));
    }
    await file.close();
    const writerDone = Date.now();
    await statusWhere(sync, (s) => s.uploaded === 1, 60_000);
    expect(addedAt).toBeGreaterThanOrEqual(writerDone);
    expect(await creates()).toBe(1);
    expect(await assetNames()).toEqual(['recording.mp4']);
    // Multipart too carries the file's place in the folder (joined when sent, not stored per item).
    const res = await fetch(`${emulator.url}/assets`, { headers: { 'x-api-key': 'k' } });
    const [asset] = ((await res.json()) as { data: Array<{ user_metadata: unknown }> }).data;
    expect(asset!.user_metadata).toEqual({ source_folder: `watched-${n}`, relative_path: 'recording.mp4' });
  }, 120_000);

  it('after a restart with 1,000 uploaded files, uploads nothing; a rescan mid-upload adds one item per file', async () => {
    for (let i = 0; i < 1000; i++)
      await writeFile(
        join(watched, `f${String(i).padStart(4, '0')}.mp4`),
        mp4({ payloadBytes: 64, seed: i }),
      );
    let { sync } = await startAll();
    const stabilityMs = 300;
    await sync.addFolder(watched, { stabilityMs });
    await statusWhere(sync, (s) => s.uploaded === 1000 && settled(s), 120_000);
    expect(await creates()).toBe(1000);
    await stopAll();

    await control.clearRequests();
    ({ sync } = await startAll());
    await statusWhere(sync, (s) => s.state === 'watching' && s.seen === 1000);
    // Absence proven by a canary, not by a sleep: a file written now is handed over after
    // everything the restart met (after its own stability interval), so once it is uploaded and
    // the folder is settled, a second upload of any of the 1,000 would have been asked for.
    await writeFile(join(watched, 'zz-canary.mp4'), mp4({ payloadBytes: 64, seed: 5_000 }));
    const status = await statusWhere(sync, (s) => s.uploaded === 1001 && settled(s));
    expect(status.uploaded).toBe(1001);
    expect(await creates()).toBe(1); // the canary's, and nothing of the 1,000
    expect(running!.harness.queue.list().filter((i) => i.state !== 'ready')).toEqual([]);
    expect(running!.harness.queue.list().filter((i) => i.name === 'zz-canary.mp4')).toHaveLength(1);
    await control.clearRequests();

    // New files arrive while uploads run slowly; rescans in the middle add nothing twice.
    await control.settings({ ingestBytesPerSecond: 200_000 });
    for (let i = 0; i < 30; i++) await writeFile(join(watched, `new-${i}.wav`), wav(0.3 + i / 100));
    await statusWhere(sync, (s) => s.pending > 0);
    for (let r = 0; r < 3; r++) {
      await sync.rescan();
      await new Promise((res) => setTimeout(res, 150));
    }
    await control.settings({ ingestBytesPerSecond: 0 });
    await statusWhere(sync, (s) => s.uploaded === 1031 && settled(s), 60_000);
    const newItems = running!.harness.queue.list().filter((i) => i.name.startsWith('new-'));
    expect(newItems).toHaveLength(30);
    expect(await creates()).toBe(30);
  }, 240_000);
});

describe('identity is content', () => {
  it('rename, move and copy upload nothing; an overwrite makes one new asset', async () => {
    await writeFixture(join(watched, 'a.mp4'), mp4({ seed: 1 }));
    await writeFixture(join(watched, 'b.wav'), wav(1));
    const { sync } = await startAll();
    const folder = await sync.addFolder(watched, { stabilityMs: 300 });
    await statusWhere(sync, (s) => s.uploaded === 2 && settled(s));

    await rename(join(watched, 'a.mp4'), join(watched, 'renamed.mp4'));
    await mkdir(join(watched, 'sub'));
    await rename(join(watched, 'b.wav'), join(watched, 'sub', 'b.wav'));
    await copyFile(join(watched, 'renamed.mp4'), join(watched, 'sub', 'copy.mp4'));
    await statusWhere(sync, (s) => s.uploaded === 3 && settled(s));
    expect(await creates()).toBe(2);

    await writeFixture(join(watched, 'renamed.mp4'), mp4({ seed: 99 }));
    await statusWhere(sync, (s) => s.uploaded === 3 && settled(s) && s.lastActivityAt !== undefined);
    await waitFor(running!.harness.queue, (items) => items.filter((i) => i.state === 'ready').length === 3);
    expect(await creates()).toBe(3);
    const names = await assetNames();
    expect(names).toEqual(['a.mp4', 'b.wav', 'renamed.mp4']);
    expect(sync.list()[0]!.id).toBe(folder.id);
  }, 60_000);
});

describe('what is uploaded', () => {
  it('holds ignore patterns and kind filters; a .part file uploads once under its final name', async () => {
    await mkdir(join(watched, 'sub', 'raw'), { recursive: true });
    await writeFixture(join(watched, 'keep.mp4'), mp4({ seed: 3 }));
    await writeFixture(join(watched, 'still.png'), png());
    await writeFixture(join(watched, 'voice.wav'), wav(0.5));
    await writeFixture(join(watched, 'notes.txt'), Buffer.from('sidecar text, not media'));
    await writeFixture(join(watched, '.hidden.mp4'), mp4({ seed: 4 }));
    await writeFixture(join(watched, 'cache.tmp'), mp4({ seed: 5 }));
    await writeFixture(join(watched, 'sub', 'raw', 'skip.mp4'), mp4({ seed: 6 }));
    const { sync } = await startAll();
    const settings = {
      kinds: ['video' as const, 'audio' as const],
      ignore: ['.*', '*.tmp', '*.part', 'sub/raw/**'],
    };
    // The preview counts by the same rules what the first scan then uploads.
    const sizes = await Promise.all(['keep.mp4', 'voice.wav'].map((f) => stat(join(watched, f))));
    expect(await sync.preview(watched, settings)).toEqual({
      files: 2,
      bytes: sizes[0]!.size + sizes[1]!.size,
      byKind: { video: { files: 1, bytes: sizes[0]!.size }, audio: { files: 1, bytes: sizes[1]!.size } },
      skipped: 5, // still.png (kind not asked), notes.txt (not media), .hidden.mp4, cache.tmp, sub/raw
      unreadable: 0,
      complete: true,
    });
    expect(await sync.preview(watched, { ...settings, recursive: false, kinds: ['image'] })).toMatchObject({
      files: 1,
      byKind: { image: { files: 1 } },
    });
    expect(await previewFolder(watched, settings, -1)).toMatchObject({ files: 0, complete: false });
    await expect(sync.preview(join(watched, 'nope'))).rejects.toThrow(/does not exist/);

    await sync.addFolder(watched, { stabilityMs: 300, ...settings });
    await statusWhere(sync, (s) => s.uploaded === 2 && settled(s) && s.ignored >= 2);
    expect(await assetNames()).toEqual(['keep.mp4', 'voice.wav']);

    // A download written as .part, renamed when complete.
    await writeFixture(join(watched, 'clip.mp4.part'), mp4({ seed: 7, payloadBytes: 200_000 }));
    await rename(join(watched, 'clip.mp4.part'), join(watched, 'clip.mp4'));
    await statusWhere(sync, (s) => s.uploaded === 3 && settled(s));
    // Settled: nothing left to hand over. The .part never made an asset or a create of its own.
    expect(await assetNames()).toEqual(['clip.mp4', 'keep.mp4', 'voice.wav']);
    expect(await creates()).toBe(3);
  }, 60_000);

  it('skips existing files when asked, and adds path metadata', async () => {
    await writeFixture(join(watched, 'old.jpg'), JPEG_16x8);
    const { sync } = await startAll();
    await sync.addFolder(watched, { stabilityMs: 300, existing: 'skip' });
    await statusWhere(sync, (s) => s.state === 'watching');
    await mkdir(join(watched, 'day1'));
    await writeFixture(join(watched, 'day1', 'new.mp4'), mp4({ seed: 8 }));
    await statusWhere(sync, (s) => s.uploaded === 1 && settled(s));
    expect(await assetNames()).toEqual(['new.mp4']);
    const res = await fetch(`${emulator.url}/assets`, { headers: { 'x-api-key': 'k' } });
    const [asset] = ((await res.json()) as { data: Array<{ user_metadata: unknown }> }).data;
    expect(asset!.user_metadata).toEqual({ source_folder: `watched-${n}`, relative_path: 'day1/new.mp4' });
  });
});
