/**
 * Issue 18, on a real temp folder with the real queue: a file already still when the first scan
 * meets it (not written to for longer than the stability interval) is handed over without a
 * second look an interval later, while a file written just now still waits for its interval; the
 * head of a file read by the hand-over decides what is media (a sidecar is ignored, not queued).
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHead } from '../../electron/core/sync/read-head.ts';
import { detectType } from '../../electron/core/media/detect-type.ts';
import { wav } from '../helpers/media.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { startFolderSync, statusWhere } from '../helpers/sync-status.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => {
  temp = await makeTempDir('tl-first-scan-');
});
afterAll(async () => {
  await temp.cleanup();
});

describe('first scan', () => {
  it('hands over files already still at once, and waits the interval for one written just now', async () => {
    const watched = join(temp.dir, 'watched');
    await mkdir(join(watched, 'card'), { recursive: true });
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const name of ['a.wav', 'b.wav', 'c.wav']) {
      await writeFile(join(watched, 'card', name), wav(0.01));
      await utimes(join(watched, 'card', name), hourAgo, hourAgo);
    }
    // A sidecar, as still as the rest: read, found not media, ignored (never queued).
    await writeFile(join(watched, 'card', 'notes.xml'), '<notes/>');
    await utimes(join(watched, 'card', 'notes.xml'), hourAgo, hourAgo);
    await writeFile(join(watched, 'card', 'fresh.wav'), wav(0.01));

    const harness = makeQueue('http://127.0.0.1:9/v1.3', join(temp.dir, 'data'));
    harness.queue.start();
    harness.queue.pauseAll(); // about the hand-over, not uploads
    const sync = await startFolderSync(harness.queue, join(temp.dir, 'data'));
    try {
      // Ten minutes of stability interval (the most a folder takes): only a file found still at
      // once can be queued within this test; the fresh one stays waiting for its file.
      await sync.addFolder(watched, { stabilityMs: 600_000 });
      const status = await statusWhere(sync, (s) => s.pending === 3 && s.ignored === 1);
      expect(status.waitingForFile).toBe(1);
      expect(
        harness.queue
          .list()
          .map((i) => i.name)
          .sort(),
      ).toEqual(['a.wav', 'b.wav', 'c.wav']);
    } finally {
      await sync.stop();
      await harness.close();
    }
  });

  it('reads a head whose size a stat gave: the bytes, and the size at least what was read', async () => {
    const path = join(temp.dir, 'head.wav');
    const bytes = wav(0.5);
    await writeFile(path, bytes);
    const head = await readHead(path, bytes.length);
    expect(head.size).toBe(bytes.length);
    expect(detectType(head)?.kind).toBe('audio');
    // The file grew after the stat: the size read is not below what is there.
    expect((await readHead(path, 10)).size).toBeGreaterThanOrEqual(Math.min(bytes.length, 4096));
    await expect(readHead(join(temp.dir, 'gone.wav'), 1)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
