/** The tl-uploader command line, as a real child process, against the emulator. */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-child.ts';
import { referenceFromIndex } from '../helpers/emulator-control.ts';
import { control, emulator, n, root, useEmulatorPerFile } from '../helpers/emulator-suite.ts';
import { mp4, wav, writeFixture, writeMp4File } from '../helpers/media.ts';
import { until } from '../helpers/serve-client.ts';
import { serveFolder } from '../helpers/static-server.ts';

let dataDir: string;
const KEY = 'cli-test-key-123';

useEmulatorPerFile({ processingMs: 50, apiKey: KEY });
beforeEach(() => {
  dataDir = join(root, `data-${n}`);
});

function cli(args: string[], env: Record<string, string> = {}) {
  return runCli(args, {
    TL_UPLOADER_DATA_DIR: dataDir,
    TWELVELABS_BASE_URL: emulator.url,
    TWELVELABS_API_KEY: KEY,
    ...env,
  });
}

async function assets() {
  const res = await fetch(`${emulator.url}/assets?page_limit=50`, { headers: { 'x-api-key': KEY } });
  return ((await res.json()) as { data: Array<{ _id: string; filename: string; status: string }> }).data;
}

describe('upload', () => {
  it('uploads files, a folder and a URL with --wait --json, exit 0', async () => {
    const files = join(root, `files-${n}`);
    await mkdir(join(files, 'folder'), { recursive: true });
    await writeFixture(join(files, 'one.mp4'), mp4({ seed: 1 }));
    await writeFixture(join(files, 'folder', 'two.wav'), wav(0.4));
    await writeFixture(join(files, 'folder', 'three.wav'), wav(0.6));
    await writeFixture(join(files, 'remote.wav'), wav(0.8, 8000, 300));
    const served = await serveFolder(files);
    try {
      const { done } = cli([
        'upload',
        '--wait',
        '--json',
        join(files, 'one.mp4'),
        join(files, 'folder'),
        `${served.origin}/remote.wav`,
      ]);
      const result = await done;
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const { items } = JSON.parse(result.stdout) as {
        items: Array<{ name: string; state: string; assetId: string }>;
      };
      expect(items.map((i) => i.name).sort()).toEqual(['one.mp4', 'remote.wav', 'three.wav', 'two.wav']);
      expect(items.every((i) => i.state === 'ready' && /^[0-9a-f]{24}$/.test(i.assetId))).toBe(true);
      expect((await assets()).map((a) => a.filename).sort()).toEqual([
        'one.mp4',
        'remote.wav',
        'three.wav',
        'two.wav',
      ]);
    } finally {
      await served.close();
    }
  }, 60_000);

  it('after SIGKILL mid-upload, resume finishes without a duplicate asset', async () => {
    const files = join(root, `files-${n}`);
    await mkdir(files, { recursive: true });
    await writeMp4File(join(files, 'big.mp4'), 30_000_000, 3);
    await writeFixture(join(files, 'small.wav'), wav(0.3));
    await control.settings({ ingestBytesPerSecond: 3_000_000 });
    await control.clearRequests();
    const run = cli(['upload', '--wait', join(files, 'big.mp4'), join(files, 'small.wav')]);
    // Killed once big.mp4's bytes are going out (a megabyte on the emulator's request log; the
    // small file has far fewer), not after a guessed time: a loaded machine starts slower.
    let ended = false;
    void run.done.then(() => (ended = true));
    await until('big.mp4 upload under way', async () => {
      if (ended) throw new Error(`the CLI ended before the upload was under way: ${run.stdout()}`);
      const requests = await control.requests();
      return requests.reduce((sum, r) => sum + r.bodyBytes, 0) >= 1_000_000;
    });
    run.child.kill('SIGKILL');
    await run.done;
    await control.settings({ ingestBytesPerSecond: 0 });
    const resumed = await cli(['resume', '--json']).done;
    expect(resumed.code).toBe(0);
    const names = (await assets()).map((a) => a.filename).sort();
    expect(names).toEqual(['big.mp4', 'small.wav']);
  }, 60_000);

  it('says clearly what is wrong: missing file, bad key', async () => {
    const missing = await cli(['upload', '--wait', join(root, 'no-such.mp4')]).done;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such\.mp4: no such file or folder/);

    const file = await writeFixture(join(root, `k-${n}.wav`), wav(0.2));
    const badKey = await cli(['upload', '--wait', file], { TWELVELABS_API_KEY: 'wrong-key-9999' }).done;
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toMatch(/refused the API key/);
    expect(badKey.stderr + badKey.stdout).not.toContain('wrong-key-9999');
  }, 30_000);
});

describe('ls, get, rm', () => {
  it('lists, shows, and deletes; a referenced asset needs --force', async () => {
    const [a, b] = await control.seed({ count: 2, kind: 'video', filenamePrefix: 'shot' });
    await referenceFromIndex(emulator.url, KEY, a!);

    const ls = await cli(['ls', '--json']).done;
    expect(ls.code).toBe(0);
    expect((JSON.parse(ls.stdout) as { total: number }).total).toBe(2);
    const human = await cli(['ls', '--filename', 'shot-00002']).done;
    expect(human.stdout).toMatch(/shot-00002\.mp4/);
    expect(human.stdout).not.toMatch(/shot-00001\.mp4/);

    const got = await cli(['get', b!, '--json']).done;
    expect(JSON.parse(got.stdout)).toMatchObject({ id: b, status: 'ready', filename: 'shot-00002.mp4' });

    const noYes = await cli(['rm', a!]).done;
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/add --yes/);

    const blocked = await cli(['rm', a!, '--yes']).done;
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/1 indexed asset references this asset/);
    expect(blocked.stdout).toContain(`tl-uploader rm ${a} --force`);
    const forced = await cli(['rm', a!, b!, '--yes', '--force']).done;
    expect(forced.code).toBe(0);
    expect(await assets()).toEqual([]);
  }, 60_000);

  it('refuses a second process on the same data folder', async () => {
    // Not `root`: it holds the data folder, which is never watched (folder-guards.ts).
    const watched = join(root, `watched-${n}`);
    await mkdir(watched);
    const first = cli(['watch', watched]);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (first.stdout().includes('Watching')) {
          clearInterval(t);
          resolve();
        }
      }, 50);
    });
    const second = await cli(['ls']).done;
    expect(second.code).toBe(4);
    expect(second.stderr).toMatch(/Another TL Uploader \(process \d+\) is already using/);
    first.child.kill('SIGINT');
    expect((await first.done).code).toBe(0);
  }, 30_000);
});

describe('--bwlimit', () => {
  it('caps this run at the given rate without saving it, and refuses a rate it cannot read', async () => {
    const files = join(root, `files-${n}`);
    await mkdir(files, { recursive: true });
    const path = await writeMp4File(join(files, 'capped.mp4'), 2_500_000, 9);
    const started = Date.now();
    const capped = await cli(['upload', '--wait', '--bwlimit', '1M', path]).done;
    const took = Date.now() - started;
    expect(capped.stderr).toBe('');
    expect(capped.code).toBe(0);
    // 2.5 MB at 1 MB/s with a quarter second's burst free: over 2 s, whatever the machine.
    expect(took).toBeGreaterThanOrEqual(2_000);
    expect((await assets()).map((a) => a.filename)).toEqual(['capped.mp4']);
    // Not saved: the settings file holds no limit of this run's.
    const saved = await readFile(join(dataDir, 'settings.json'), 'utf8').catch(() => '{}');
    expect(JSON.parse(saved).bandwidthBytesPerSecond ?? 0).toBe(0);

    const refused = await cli(['upload', '--bwlimit', 'fast', path]).done;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--bwlimit fast: give bytes per second .*500k, 2M.*off/);
  });
});

describe('conventions (gh, rclone)', () => {
  const noKey = { TWELVELABS_API_KEY: '' };

  it('checks usage before the key; --version and help need no key; unknown options exit 2', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const version = await cli(['--version'], noKey).done;
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(`tl-uploader ${pkg.version}`);

    // Side by side, each on a data folder of its own (one process per data folder).
    let own = 0;
    const run = (args: string[]) => cli(args, { ...noKey, TL_UPLOADER_DATA_DIR: `${dataDir}-${++own}` }).done;
    const [hls, unknown, noArgs, help, missingKey, noFile, noFolder] = await Promise.all([
      run(['ls', '--hls']),
      run(['upload', 'x.mp4', '--frobnicate']),
      run(['upload']),
      run(['rm', '--help']),
      run(['ls']),
      run(['upload', join(root, 'no-such-file.mp4')]),
      run(['watch', join(root, 'no-such-folder')]),
    ]);
    expect(hls.code).toBe(2);
    expect(hls.stderr).toMatch(/ls: Unknown option '--hls'.*tl-uploader ls --help/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--frobnicate/);
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toMatch(/upload needs at least one file/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: tl-uploader rm <asset-id>/);
    expect(help.stdout).toMatch(/--force/);
    expect(help.stdout).not.toMatch(/--hls/);
    // Only a command that is called right, and needs the account, asks for the key.
    expect(missingKey.code).toBe(3);
    expect(missingKey.stderr).toMatch(/No API key/);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/no-such-file\.mp4: no such file or folder/);
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toMatch(/no-such-folder: no such folder\./);
  }, 60_000);

  it('rm of an id that does not exist says "not found" and exits 1; the others are deleted', async () => {
    const [a] = await control.seed({ count: 1, kind: 'video', filenamePrefix: 'keep' });
    const missing = '0123456789abcdef01234567';
    const result = await cli(['rm', missing, a!, '--yes']).done;
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${missing}\tnot found`);
    expect(result.stdout).toContain(`${a}\tdeleted`);
    expect(result.stdout).not.toContain(`${missing}\tdeleted`);
    expect(await assets()).toEqual([]);
  }, 30_000);

  it('an empty folder is said, not silent; a finished run ends with a summary', async () => {
    const empty = join(root, `empty-${n}`);
    await mkdir(empty, { recursive: true });
    await writeFixture(join(empty, '.DS_Store'), Buffer.from('clutter'));
    const nothing = await cli(['upload', '--wait', empty]).done;
    expect(nothing.stderr).toMatch(/no files to upload in this folder/);
    expect(nothing.code).toBe(0);

    const file = await writeFixture(join(root, `s-${n}.wav`), wav(0.2));
    const done = await cli(['upload', '--wait', file]).done;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^Done: 1 ready · .* uploaded in \d+:\d\d$/m);
    // The same file again: not a problem, already there (and said so).
    const again = await cli(['upload', '--wait', file]).done;
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\talready in your library as asset [0-9a-f]{24}$/m);
    expect(again.stdout).toMatch(/^Done: 1 already in your library · 0 B uploaded in/m);
  }, 30_000);

  it('not on a terminal, a waiting upload prints a progress line every few seconds; Ctrl-C exits 130', async () => {
    const file = await writeFixture(join(root, `off-${n}.wav`), wav(0.2));
    // Nothing listens on this port: the item waits for the network.
    const run = cli(['upload', '--wait', file], {
      TWELVELABS_BASE_URL: 'http://127.0.0.1:9/v1.3',
      TL_UPLOADER_PROGRESS_MS: '200',
    });
    // Until the line shows, or the run ends on its own (then the assertion below says why).
    await Promise.race([
      run.done,
      new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (/progress: .*waiting: /.test(run.stdout())) {
            clearInterval(t);
            resolve();
          }
        }, 50);
      }),
    ]);
    run.child.kill('SIGINT');
    const ended = await run.done;
    expect(ended.stdout + ended.stderr).toMatch(/progress: 0 of 1 done .*\(waiting: [^)]+\)/);
    // Ctrl-C: the run stops cleanly, says what stays queued, and exits 130.
    expect(ended.stderr).toMatch(
      /Stopped: 1 item not finished stays in the queue\. Run `tl-uploader resume`/,
    );
    expect(ended.code).toBe(130);
  }, 30_000);
});
