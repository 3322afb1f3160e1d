/**
 * Issue 18, the scan thread (scan-worker.mjs) on real temp folders: what a watched folder's scan
 * lists and what its heads say come from another thread now, so what the main-thread scan did
 * must still hold there: ignored folders never entered, every file listed once, a start that
 * cannot be read failing with its code, a scan given up half-way not blocking the next one, and
 * heads read in order, the gone and the unreadable said as such, a named pipe never waited on.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBatches } from '../../electron/core/sync/folder-scan.ts';
import { IgnoreRules } from '../../electron/core/sync/ignore-rules.ts';
import { readHeadsInThread } from '../../electron/core/sync/scan-client.ts';
import { detectType, type FileHead } from '../../electron/core/media/detect-type.ts';
import { wav } from '../helpers/media.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

let dir = '';
useTempDirPerTest((path) => (dir = path), 'tl-scan-thread-');

async function files(folder: string, names: string[], bytes: Buffer | string = 'x'): Promise<void> {
  await mkdir(folder, { recursive: true });
  await Promise.all(names.map((name) => writeFile(join(folder, name), bytes)));
}

describe('the scan thread', () => {
  it('lists every file once, with its size; ignored folders are not entered, path rules hold', async () => {
    const many = Array.from({ length: 1_200 }, (_, i) => `clip-${i}.wav`);
    await files(join(dir, 'card'), many);
    await files(join(dir, 'card', 'deep', 'er'), ['a.wav', 'b.tmp']);
    await files(join(dir, 'cache'), ['x.wav', 'y.wav']);
    await writeFile(join(dir, 'top.wav'), '12345');
    const problems: string[] = [];
    const listed: string[] = [];
    let ignored = 0;
    let batches = 0;
    for await (const batch of scanBatches(dir, {
      recursive: true,
      ignore: new IgnoreRules(['cache', 'card/deep/**/*.tmp']),
      onProblem: (path, code) => problems.push(`${path} ${code}`),
    })) {
      batches++;
      ignored += batch.ignored;
      listed.push(...batch.rels);
      for (const [i, rel] of batch.rels.entries()) {
        expect(batch.paths[i]).toBe(join(dir, ...rel.split('/')));
        if (rel === 'top.wav') expect(batch.sizes[i]).toBe(5);
      }
    }
    const expected = [...many.map((n) => `card/${n}`), 'card/deep/er/a.wav', 'top.wav'];
    expect(listed.sort()).toEqual(expected.sort());
    // The ignored folder counts once (never listed inside), the ignored file once.
    expect(ignored).toBe(2);
    expect(problems).toEqual([]);
    // Answered in more than one message: the main thread is never handed the whole tree at once.
    expect(batches).toBeGreaterThan(1);
  });

  it('a scan given up half-way is dropped, and the next scan gets its own answers', async () => {
    await files(
      join(dir, 'big'),
      Array.from({ length: 1_500 }, (_, i) => `f-${i}.wav`),
    );
    for await (const batch of scanBatches(dir, { recursive: true, onProblem: () => undefined })) {
      expect(batch.rels.length).toBeGreaterThan(0);
      break;
    }
    const again: string[] = [];
    for await (const batch of scanBatches(dir, { recursive: true, onProblem: () => undefined }))
      again.push(...batch.rels);
    expect(again).toHaveLength(1_500);
    expect(new Set(again).size).toBe(1_500);
  });

  it('a start that cannot be read fails with its code and is reported', async () => {
    const problems: string[] = [];
    const scan = async () => {
      for await (const _ of scanBatches(join(dir, 'not-there'), {
        recursive: true,
        onProblem: (path, code) => problems.push(`${path} ${code}`),
      }))
        void _;
    };
    await expect(scan()).rejects.toMatchObject({ code: 'ENOENT' });
    expect(problems).toEqual([`${join(dir, 'not-there')} ENOENT`]);
  });

  it('reads heads in order: the bytes and at least their size, a gone file, a named pipe at once', async () => {
    const sound = wav(0.05);
    await writeFile(join(dir, 'a.wav'), sound);
    await writeFile(join(dir, 'notes.log'), 'plain text, not media\n');
    execFileSync('mkfifo', [join(dir, 'pipe.wav')]);
    const heads = await readHeadsInThread(
      [
        [join(dir, 'a.wav'), 10], // it grew since its stat: the size is at least what was read
        undefined,
        [join(dir, 'gone.wav'), 1],
        [join(dir, 'pipe.wav'), 0], // no writer: opened without blocking, read without waiting
        [join(dir, 'notes.log'), 22],
        // Lent for the call only (the buffer goes back to the thread): kept here as a copy.
      ],
      (head) => (head instanceof Error ? head : { ...head, bytes: Buffer.from(head.bytes) }),
    );
    expect(heads).toHaveLength(5);
    const head = heads[0] as FileHead;
    expect(head.bytes.equals(sound.subarray(0, head.bytes.length))).toBe(true);
    expect(head.bytes.length).toBe(Math.min(sound.length, 4096));
    expect(head.size).toBeGreaterThanOrEqual(head.bytes.length);
    expect(detectType(head, 'a.wav')?.kind).toBe('audio');
    expect(heads[1]).toBeUndefined();
    expect(heads[2]).toMatchObject({ code: 'ENOENT' });
    // A pipe is never media: an error, or nothing read.
    const pipe = heads[3]!;
    if (!(pipe instanceof Error)) expect(pipe.bytes.length).toBe(0);
    expect(detectType(heads[4] as FileHead, 'notes.log')).toBeUndefined();
  });

  it('lends the heads for the call only, and reads the next ones into the same memory cleanly', async () => {
    const big = Buffer.alloc(8192, 0xab);
    await writeFile(join(dir, 'big.bin'), big);
    await writeFile(join(dir, 'small.bin'), Buffer.from('tiny'));
    const lent: Buffer[] = [];
    const first = await readHeadsInThread([[join(dir, 'big.bin'), big.length]], (head) => {
      if (head instanceof Error) throw head;
      lent.push(head.bytes);
      return head.bytes.length;
    });
    expect(first).toEqual([4096]);
    // Moved back to the thread, not copied: the view kept past the call sees no bytes.
    expect(lent[0]!.length).toBe(0);
    // The thread reads into the buffer it got back: what the big file left there is not seen.
    const second = await readHeadsInThread([[join(dir, 'small.bin'), 4]], (head) =>
      head instanceof Error ? head.message : head.bytes.toString('latin1'),
    );
    expect(second).toEqual(['tiny']);
  });
});
