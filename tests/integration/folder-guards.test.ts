/**
 * Watched-folder guards on real temp folders with the real queue and the emulator: the disk's
 * root, the home folder and the app's own data folder are refused (by real path: a symlink does
 * not get round it), the data folder is never scanned even when a path still leads into it, and
 * adding a folder answers while a huge tree is still being taken in.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chokidarWatchFolder } from '../../electron/core/sync/chokidar-folder-watcher.ts';
import { checkWatchable, excludeFromScans, makeEventFilter } from '../../electron/core/sync/folder-guards.ts';
import { IgnoreRules } from '../../electron/core/sync/ignore-rules.ts';
import { scanFolder } from '../../electron/core/sync/folder-scan.ts';
import { FolderSync } from '../../electron/core/sync/folder-sync.ts';
import { SyncLedger } from '../../electron/core/sync/sync-ledger.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import { DEFAULT_FOLDER_SETTINGS } from '../../electron/shared/sync-types.ts';
import { control, emulator, n, root, useEmulatorPerFile } from '../helpers/emulator-suite.ts';
import { mp4, png, wav, writeFixture } from '../helpers/media.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { statusWhere as statusWithin } from '../helpers/sync-suite.ts';

let base: string;
let dataDir: string;
let running: { sync: FolderSync; close: () => Promise<void> } | undefined;

useEmulatorPerFile({ processingMs: 20 }, 'tl-guards-');
beforeEach(async () => {
  base = join(root, `case-${n}`);
  dataDir = join(base, 'app-data');
  // The data folder holds media of its own (thumbnails, staged drops): none of it may be uploaded.
  await mkdir(join(dataDir, 'thumbnails'), { recursive: true });
  await writeFixture(join(dataDir, 'thumbnails', '0123456789abcdef01234567.img'), png(16, 16));
  await writeFixture(join(dataDir, 'staged.mp4'), mp4({ seed: 99 }));
});
afterEach(async () => {
  await running?.close();
  running = undefined;
});

function startSync(overrides: Partial<ConstructorParameters<typeof FolderSync>[0]> = {}) {
  const harness = makeQueue(emulator.url, join(dataDir, 'account'), { concurrency: 4 });
  harness.queue.start();
  const sync = new FolderSync({
    queue: harness.queue,
    store: new ConfDocumentStore(join(dataDir, 'account'), 'sync'),
    availabilityIntervalMs: 200,
    dataDir,
    ...overrides,
  });
  running = {
    sync,
    close: async () => {
      await sync.stop();
      await harness.close();
    },
  };
  return sync;
}

const statusWhere: typeof statusWithin = (sync, predicate) => statusWithin(sync, predicate, 45_000);

/** chokidar's watch of `path` (no polling), with nothing ignored and its events unheard. */
const watchEverything = (path: string) =>
  chokidarWatchFolder(path, {
    recursive: true,
    polling: false,
    ignored: () => false,
    onEvent: () => {},
    onError: () => {},
  });

/** What a full scan of `path` lists (relative paths), with nothing ignored. */
async function scanned(path: string): Promise<string[]> {
  const listed: string[] = [];
  for await (const f of scanFolder(path, { recursive: true, ignored: () => false, onProblem: () => {} }))
    listed.push(f.relativePath);
  return listed;
}

async function uploadedNames(): Promise<string[]> {
  const res = await fetch(`${emulator.url}/assets?page_limit=50`, { headers: { 'x-api-key': 'k' } });
  return ((await res.json()) as { data: Array<{ filename: string }> }).data.map((a) => a.filename).sort();
}

describe('folders that are refused, with the reason', () => {
  it('the root of the disk and the system’s pseudo folders, before anything is saved or scanned', async () => {
    const sync = startSync();
    await sync.start();
    await expect(sync.addFolder('/')).rejects.toThrow(/\/ is the whole disk: .* Choose the folder/);
    await expect(sync.preview('/')).rejects.toThrow(/whole disk/);
    if (process.platform === 'linux')
      for (const system of ['/proc', '/sys', '/dev', '/proc/self'])
        await expect(sync.addFolder(system), system).rejects.toThrow(/a folder of the operating system/);
    expect(sync.list()).toEqual([]);
    expect(sync.statuses()).toEqual([]);
  });

  it('the home folder and what contains it, but not a folder inside it', async () => {
    const home = join(base, 'people', 'ann');
    await mkdir(join(home, 'Videos'), { recursive: true });
    await writeFixture(join(home, 'Videos', 'trip.wav'), wav(0.3));
    const before = process.env.HOME;
    process.env.HOME = home; // os.homedir() reads it: the real home is never touched
    try {
      const sync = startSync();
      await sync.start();
      await expect(sync.addFolder(home)).rejects.toThrow(/is your home folder: .* Choose a folder inside it/);
      await expect(sync.addFolder(join(base, 'people'))).rejects.toThrow(/contains your home folder/);
      // By its real path: a symlink to the home folder is the home folder.
      await symlink(home, join(base, 'home-link'));
      await expect(sync.addFolder(join(base, 'home-link'))).rejects.toThrow(/is your home folder/);
      await sync.addFolder(join(home, 'Videos'), { stabilityMs: 200 });
      await statusWhere(sync, (s) => s.uploaded === 1);
      expect(await uploadedNames()).toEqual(['trip.wav']);
    } finally {
      process.env.HOME = before;
    }
  });

  it('the data folder, anything inside it, anything that contains it, a symlink into it', async () => {
    const sync = startSync();
    await sync.start();
    await expect(sync.addFolder(base)).rejects.toThrow(
      /contains TL Uploader's own data folder .*: its thumbnails .* Choose a folder that does not contain it/,
    );
    await expect(sync.addFolder(dataDir)).rejects.toThrow(/is inside TL Uploader's own data folder/);
    await expect(sync.addFolder(join(dataDir, 'thumbnails'))).rejects.toThrow(
      /inside TL Uploader's own data/,
    );
    await symlink(join(dataDir, 'thumbnails'), join(base, 'pictures'));
    await expect(sync.addFolder(join(base, 'pictures'))).rejects.toThrow(
      new RegExp(`pictures \\(${join(dataDir, 'thumbnails').replace(/[/\\]/g, '.')}\\) is inside`),
    );
    await expect(sync.preview(join(base, 'pictures'))).rejects.toThrow(/inside TL Uploader's own data/);
    expect(sync.list()).toEqual([]);
  });
});

describe('the same folder under another name', () => {
  it('a symlink to a watched folder, or into it, is that folder', async () => {
    const media = join(base, 'media');
    await mkdir(join(media, 'day1'), { recursive: true });
    await symlink(media, join(base, 'alias'));
    const sync = startSync();
    await sync.start();
    await sync.addFolder(media, { stabilityMs: 200 });
    await expect(sync.addFolder(join(base, 'alias'))).rejects.toThrow(
      new RegExp(`alias is already watched \\(as ${media.replace(/[/\\]/g, '.')}\\)`),
    );
    await expect(sync.addFolder(join(base, 'alias', 'day1'))).rejects.toThrow(/is inside .*already watched/);
    expect(sync.list()).toHaveLength(1);
  });
});

describe('a folder saved before the guards existed', () => {
  it('is not started at start-up: its status says why, and it can be removed', async () => {
    // Saved by an older version: the folder that holds the data folder, uploads on.
    const ledger = new SyncLedger(new ConfDocumentStore(join(dataDir, 'account'), 'sync'));
    const id = 'saved-long-ago';
    await ledger.saveFolder({ ...DEFAULT_FOLDER_SETTINGS, id, path: base, paused: false, addedAt: 1 });
    await ledger.close();
    const sync = startSync();
    await sync.start();
    expect(sync.list().map((f) => f.id)).toEqual([id]);
    expect(sync.statuses()).toEqual([
      expect.objectContaining({
        id,
        state: 'paused',
        problems: [expect.stringMatching(/^Not watched: .* contains TL Uploader's own data folder/)],
      }),
    ]);
    await expect(sync.resume(id)).rejects.toThrow(/contains TL Uploader's own data folder/);
    await sync.rescan();
    expect(await control.requests('assets.create')).toEqual([]);
    await sync.removeFolder(id);
    expect(sync.list()).toEqual([]);
    expect(sync.statuses()).toEqual([]);
  });
});

describe('the data folder is never scanned', () => {
  it('even when a watched path leads into it after it was added (a symlink retargeted)', async () => {
    const media = join(base, 'media');
    await mkdir(media);
    await writeFixture(join(media, 'a.wav'), wav(0.2));
    const link = join(base, 'card');
    await symlink(media, link);
    const sync = startSync();
    await sync.start();
    await sync.addFolder(link, { stabilityMs: 200 });
    await statusWhere(sync, (s) => s.uploaded === 1 && s.pending === 0);
    // The card now leads to the data folder: a full rescan walks into nothing.
    await rm(link);
    await symlink(dataDir, link);
    await sync.rescan();
    expect(await uploadedNames()).toEqual(['a.wav']);
    expect(sync.statuses()[0]!.waitingForFile).toBe(0);
  });

  it('nor reached through a symlink inside a watched folder, by a scan or by a watch event', async () => {
    const media = join(base, 'media');
    await mkdir(media);
    await symlink(dataDir, join(media, 'shortcut'));
    const stop = excludeFromScans(dataDir);
    try {
      expect(await scanned(media)).toEqual([]);
      const filter = makeEventFilter();
      expect(filter(join(media, 'shortcut', 'thumbnails', 'x.img'))).toBe(true);
      expect(filter(join(dataDir, 'staged.mp4'))).toBe(true);
      expect(filter(join(media, 'clip.mp4'))).toBe(false);
    } finally {
      stop();
    }
    // A scan started at the data folder itself yields nothing either, while it is excluded.
    const sync = startSync();
    await sync.start();
    expect(await scanned(dataDir)).toEqual([]);
    // Watched for real: a file written into the data folder while a new file arrives in the
    // watched one; the new file is uploaded, the data folder's never.
    await sync.addFolder(media, { stabilityMs: 200 });
    await statusWhere(sync, (s) => s.state === 'watching');
    await writeFixture(join(dataDir, 'thumbnails', 'fedcba9876543210fedcba98.img'), png(20, 20));
    await writeFixture(join(media, 'b.wav'), wav(0.25));
    await statusWhere(sync, (s) => s.uploaded >= 1 && s.pending === 0 && s.waitingForFile === 0);
    await sync.rescan();
    expect(await uploadedNames()).toEqual(['b.wav']);
    expect(sync.statuses()[0]).toMatchObject({ uploaded: 1, ignored: 0, waitingForFile: 0 });
  });
});

describe('adding a folder answers in bounded time', () => {
  it('while the watch of a huge tree is still being set up, and the scan goes on', async () => {
    const media = join(base, 'media');
    await mkdir(media);
    await writeFixture(join(media, 'c.wav'), wav(0.2));
    // The watcher of a huge tree takes minutes to be ready: here it waits for the test.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sync = startSync({
      addBudgetMs: 200,
      watchFolder: async (path, options) => {
        await gate;
        return chokidarWatchFolder(path, options);
      },
    });
    await sync.start();
    const folder = await sync.addFolder(media, { stabilityMs: 200 });
    expect(folder.path).toBe(media);
    expect(sync.statuses()[0]!.state).toBe('scanning');
    release();
    await statusWhere(sync, (s) => s.state === 'watching' && s.uploaded === 1);
    expect(await uploadedNames()).toEqual(['c.wav']);
  });
});

describe('ignore patterns', () => {
  it('a run of wildcards does not stall a scan, and still means what it says', () => {
    // Before: 34 s of regular-expression backtracking on this one path (the test's time limit
    // is what fails it).
    const rules = new IgnoreRules(['**/**/**/**/**/**/**/**/x', '*.tmp', 'cache/**/*.bin']);
    expect(rules.ignores(`${'a/'.repeat(12)}${'a'.repeat(28)}`)).toBe(false);
    expect(rules.ignores('deep/down/x')).toBe(true);
    expect(rules.ignores('x')).toBe(true);
    expect(rules.ignores('notes.tmp')).toBe(true);
    expect(rules.ignores('cache/a/b/c.bin')).toBe(true);
    expect(rules.ignores('cache.bin')).toBe(false);
  }, 10_000);
});

describe('the watcher thread does not walk into the data folder', () => {
  // Linux shows every inotify watch of this process in /proc/self/fdinfo (the watcher's thread is
  // in this process): the data folder's folders must have none, even through a symlink.
  const linux = process.platform === 'linux';
  if (!linux) console.warn('skipped: counting the watches of a process needs Linux (/proc/self/fdinfo)');
  it.runIf(linux)('even through a symlink inside the watched folder', async () => {
    const media = join(base, 'media');
    await mkdir(join(media, 'day-1'), { recursive: true });
    await symlink(dataDir, join(media, 'shortcut'));
    const stop = excludeFromScans(dataDir);
    const watcher = await watchEverything(media).finally(stop);
    try {
      const watched = await watchedInodes();
      const inode = async (path: string) => (await stat(path)).ino;
      // What is watched is seen (the check can tell), and nothing of the data folder is.
      expect(watched).toContain(await inode(join(media, 'day-1')));
      for (const dir of [dataDir, join(dataDir, 'thumbnails')])
        expect(watched).not.toContain(await inode(dir));
    } finally {
      await watcher.close();
    }
  });
});

/** The inodes every inotify watch of this process is on. */
async function watchedInodes(): Promise<number[]> {
  const inodes: number[] = [];
  for (const fd of await readdir('/proc/self/fdinfo')) {
    const text = await readFile(join('/proc/self/fdinfo', fd), 'utf8').catch(() => '');
    for (const match of text.matchAll(/^inotify wd:\d+ ino:([0-9a-f]+)/gm))
      inodes.push(parseInt(match[1]!, 16));
  }
  return inodes;
}

describe('the data folder under a path of its own (a bind mount)', () => {
  /** Mounts `from` at `at` (Linux, as root); false when this machine does not allow it. */
  async function bindMount(from: string, at: string): Promise<boolean> {
    if (process.platform !== 'linux') return false;
    return new Promise((resolve) => execFile('mount', ['--bind', from, at], (error) => resolve(!error)));
  }

  it('is neither scanned nor walked by the watcher, and a path with .. is the folder it leads to', async (ctx) => {
    const media = join(base, 'media');
    await mkdir(join(media, 'mnt'), { recursive: true });
    // A path through ".." into the data folder is the data folder.
    await expect(checkWatchable(join(media, '..', 'app-data'), { dataDir })).rejects.toThrow(
      /inside TL Uploader's own data folder/,
    );
    if (!(await bindMount(dataDir, join(media, 'mnt')))) {
      console.warn('skipped: a bind mount needs Linux and the right to mount (root)');
      return ctx.skip();
    }
    // Added as a folder of its own, it is refused like the data folder itself.
    await expect(checkWatchable(join(media, 'mnt'), { dataDir })).rejects.toThrow(
      /inside TL Uploader's own data folder/,
    );
    const stop = excludeFromScans(dataDir);
    try {
      expect(await scanned(media)).toEqual([]);
      const watcher = await watchEverything(media);
      try {
        const watched = await watchedInodes();
        expect(watched).toContain((await stat(media)).ino);
        expect(watched).not.toContain((await stat(join(dataDir, 'thumbnails'))).ino);
      } finally {
        await watcher.close();
      }
    } finally {
      stop();
      await new Promise((resolve) => execFile('umount', [join(media, 'mnt')], resolve));
    }
  });
});

describe('the data folder named in another case', () => {
  it('is refused on a disk that ignores case (macOS, Windows)', async (ctx) => {
    // Does this disk ignore case? The data folder under its name in capitals says.
    const upper = join(base, 'APP-DATA');
    const ignoresCase = await stat(upper).then(
      () => true,
      () => false,
    );
    if (!ignoresCase) {
      console.warn('skipped: this disk tells names apart by case (Linux), so another case is another folder');
      return ctx.skip();
    }
    await expect(checkWatchable(upper, { dataDir })).rejects.toThrow(/inside TL Uploader's own data folder/);
    await expect(checkWatchable(join(base.toUpperCase()), { dataDir })).rejects.toThrow(
      /contains TL Uploader's own data folder/,
    );
  });
});
