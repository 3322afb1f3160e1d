/**
 * A data folder on a disk that fills up (a real 256 KiB tmpfs; mounting needs root, so elsewhere
 * the test says why it does not run): a change that cannot be saved is refused in words a person
 * can act on, leaves no temporary file holding the space, and once space is free the queue is
 * saved again by itself and found whole after a restart.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { wav, writeFixture } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'full-disk-key-123';
let root: string;
let cleanup: () => Promise<void>;
let disk: string;
let mounted = false;
let whyNot = '';
let emulator: RunningEmulator;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-full-disk-'));
  disk = join(root, 'disk');
  await mkdir(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', disk], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    whyNot = String((error as { stderr?: Buffer }).stderr ?? error).trim();
    console.warn(`full-disk test not run: a tmpfs cannot be mounted here (needs root): ${whyNot}`);
  }
  emulator = await startEmulator({ processingMs: 0, apiKey: KEY });
});
afterAll(async () => {
  await emulator?.close();
  if (mounted) execFileSync('umount', [disk]);
  await cleanup();
});

/** Fills the disk with 4 KiB files until it refuses; returns them, to free the space again. */
async function fill(): Promise<string[]> {
  const files: string[] = [];
  for (;;) {
    const file = join(disk, `filler-${files.length}`);
    try {
      await writeFile(file, Buffer.alloc(4096));
      files.push(file);
    } catch {
      await rm(file, { force: true });
      return files;
    }
  }
}

describe('a data folder whose disk is full', () => {
  it.skipIf(process.getuid?.() !== 0)(
    'refuses the change clearly, then saves by itself once there is space',
    async () => {
      if (!mounted) return console.warn(`skipped: ${whyNot}`);
      const dataDir = join(disk, 'data');
      const media = join(root, 'clip.wav');
      await writeFixture(media, wav(0.2));
      const open = () =>
        UploaderCore.create({
          dataDir,
          secrets: new MemorySecretStore(KEY),
          overrides: { baseUrl: emulator.url },
          logger: silentLogger,
        });
      const core = await open();
      const notices: Array<{ level: string; message: string }> = [];
      core.on('app:notice', (n) => notices.push(n));
      let fillers: string[] = [];
      try {
        await core.invoke('uploads:pause-all', {});
        fillers = await fill();
        // A command whose change cannot be saved fails, in words, and takes the item back.
        await expect(core.invoke('uploads:add', { inputs: [{ kind: 'file', path: media }] })).rejects.toThrow(
          /The queue could not be saved \(ENOSPC\): the disk of the data folder is full/,
        );
        // A setting changed while the disk is full: refused too, and no cut temporary file stays.
        await expect(core.invoke('settings:update', { concurrency: 5 })).rejects.toThrow(/ENOSPC/);
        const leftovers = (await readdir(dataDir, { recursive: true })).filter((f) =>
          String(f).endsWith('.tmp'),
        );
        expect(leftovers).toEqual([]);
        for (const file of fillers) await rm(file);
        fillers = [];
        // With space again: the same add works, and the setting that failed was kept in memory
        // and is saved by the retry (or at close at the latest).
        const { added } = await core.invoke('uploads:add', { inputs: [{ kind: 'file', path: media }] });
        expect(added).toHaveLength(1);
        // The person was told while it failed (once a document, not at every retry), and when it
        // was saved again; not only the log.
        const said = notices.map((n) => `${n.level} ${n.message}`).join('\n');
        expect(said).toMatch(
          /^warning The queue could not be saved \(ENOSPC\).*kept while TL Uploader runs/m,
        );
        expect(said.match(/^warning The queue could not be saved/gm)).toHaveLength(1);
        expect(said).toMatch(/^info The queue was saved again\./m);
      } finally {
        for (const file of fillers) await rm(file, { force: true });
        await core.close();
      }
      const again = await open();
      try {
        expect(again.dataProblems()).toEqual([]);
        expect(again.queue.list().map((i) => i.name)).toEqual(['clip.wav']);
        expect(again.settings().concurrency).toBe(5);
      } finally {
        await again.close();
      }
    },
  );

  it.skipIf(process.getuid?.() !== 0)(
    'a read-only data folder is refused in words, before anything is opened',
    async () => {
      if (!mounted) return console.warn(`skipped: ${whyNot}`);
      const dataDir = join(disk, 'read-only');
      await mkdir(dataDir, { recursive: true });
      execFileSync('mount', ['-o', 'remount,ro', disk]);
      try {
        await expect(
          UploaderCore.create({ dataDir, secrets: new MemorySecretStore(KEY), logger: silentLogger }),
        ).rejects.toThrow(
          /^The data folder .*read-only cannot be written \(EROFS: its disk is read-only\)\. TL Uploader keeps its queue there/,
        );
      } finally {
        execFileSync('mount', ['-o', 'remount,rw', disk]);
      }
    },
  );
});
