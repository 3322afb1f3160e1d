/** The data-folder lock with real processes: one winner in a race, a crashed holder's lock taken over. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../electron/core/data-dir-lock.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let cleanup: () => Promise<void>;
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await cleanup();
});

/** The process the lock file names (its first line). */
const lockPid = async () => Number((await readFile(join(dir, 'core.lock'), 'utf8')).split('\n')[0]);

/** A lock-child.ts process, and a function resolving with each line it prints, in order. */
function lockChild() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/lock-child.ts', dir]);
  children.push(child);
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const line = () =>
    new Promise<string>((resolve, reject) => {
      const ready = lines.shift();
      if (ready !== undefined) return resolve(ready);
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`child exited (${code}): ${stderr.join('')}`)));
    });
  return { child, line };
}

/**
 * Four processes ready, then told to take the lock at the same moment: what each answered
 * ('locked' or 'refused <pid>') and which of them hold it (exactly one, checked here).
 */
async function race() {
  const racers = Array.from({ length: 4 }, lockChild);
  for (const r of racers) expect(await r.line()).toBe('ready');
  for (const r of racers) r.child.stdin.write('go\n');
  const results = await Promise.all(racers.map((r) => r.line()));
  const winners = racers.filter((_, i) => results[i] === 'locked');
  expect(winners, results.join(', ')).toHaveLength(1);
  return { results, winners };
}

describe('data-folder lock', () => {
  it('of four processes that try at the same moment, exactly one holds it; the others name it', async () => {
    const { results, winners } = await race();
    const winnerPid = winners[0]!.child.pid!;
    for (const result of results.filter((r) => r !== 'locked')) expect(result).toBe(`refused ${winnerPid}`);
    expect(await lockPid()).toBe(winnerPid);

    // The holder lets go: the folder can be locked again, here.
    winners[0]!.child.stdin.end();
    await new Promise((r) => winners[0]!.child.once('exit', r));
    const lock = await lockDataDir(dir);
    await lock.release();
  }, 60_000);

  it('a holder that crashed (SIGKILL) leaves a lock that exactly one of four next starts takes over', async () => {
    const holder = lockChild();
    expect(await holder.line()).toBe('ready');
    holder.child.stdin.write('go\n');
    expect(await holder.line()).toBe('locked');
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    holder.child.kill('SIGKILL');
    await new Promise((r) => holder.child.once('exit', r));
    expect(await lockPid()).toBe(holder.child.pid);

    // Four starts find the dead holder's lock at once: one takes it over, none removes the
    // lock another just placed (the old takeover let two win about one run in four).
    const { results, winners } = await race();
    expect(await lockPid()).toBe(winners[0]!.child.pid);
    for (const result of results.filter((r) => r !== 'locked'))
      expect(result).toBe(`refused ${winners[0]!.child.pid}`);
    expect(existsSync(join(dir, 'core.lock.takeover'))).toBe(false);
  }, 60_000);

  it('release frees only its own lock, once', async () => {
    const lock = await lockDataDir(dir);
    // Another process took the folder over meanwhile (this one was thought dead).
    await writeFile(join(dir, 'core.lock'), '999999999');
    await lock.release();
    expect(await readFile(join(dir, 'core.lock'), 'utf8')).toBe('999999999');
  });

  it('a lock that names no process (junk, empty) is taken over, not "in use" for ever', async () => {
    for (const junk of ['junk', '', '\u0000\u0000', '12abc', '-1']) {
      await writeFile(join(dir, 'core.lock'), junk);
      const lock = await lockDataDir(dir);
      expect(await lockPid()).toBe(process.pid);
      await lock.release();
    }
  });

  it('a lock whose PID is alive but another program (reused after a crash) is taken over', async () => {
    // A live process that is not Node, Electron or TL Uploader: what a reused PID looks like.
    const other = spawn('sleep', ['30']);
    try {
      await writeFile(join(dir, 'core.lock'), `${other.pid}\n`);
      const lock = await lockDataDir(dir);
      expect(await lockPid()).toBe(process.pid);
      await lock.release();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('a lock written before the machine restarted is taken over, whatever its PID', async () => {
    const bootId = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '');
    if (!bootId) return console.warn('skipped: no boot id on this system (/proc/sys/kernel/random/boot_id)');
    // Process 1 is always alive; the boot id says it was another boot's process 1.
    await writeFile(join(dir, 'core.lock'), `1\nboot 00000000-0000-0000-0000-000000000000\n`);
    const lock = await lockDataDir(dir);
    expect(await lockPid()).toBe(process.pid);
    await lock.release();
  });

  it('a live TL Uploader of this boot still holds it', async () => {
    const holder = lockChild();
    await holder.line(); // ready
    holder.child.stdin.write('go\n');
    expect(await holder.line()).toBe('locked');
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirLockedError);
    holder.child.stdin.end();
  });
});
