/**
 * Damage outside the core's documents, never lost in silence (issue 13): a damaged API key file
 * (credentials.json) and a damaged Sandbox state (emulator/state.json). The core runs in process
 * on real temp folders; one CLI child checks what a person sees on stderr.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { FileSecretStore, MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { wav } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir('tl-damaged-extras-'));
});
afterEach(async () => {
  await cleanup();
});

/** Part of a key, as a file cut mid-write would hold it: it must never be quoted anywhere. */
const KEY_PART = 'tlk_SECRETPART0123456789';

describe('a damaged credentials.json', () => {
  for (const [name, content] of [
    ['cut short', `{"apiKey":"${KEY_PART}`],
    ['null', 'null'],
    ['{}', '{}'],
    ['an empty key', '{"apiKey":""}'],
  ] as const)
    it(`(${name}) is said, set aside (still private), and the key is not quoted`, async () => {
      await writeFile(join(dir, 'credentials.json'), content, { mode: 0o600 });
      const secrets = new FileSecretStore(dir, {});
      const core = await UploaderCore.create({ dataDir: dir, secrets });
      try {
        expect(core.settings().apiKeySet).toBe(false);
        const said = core.dataProblems().join('\n');
        expect(said).toMatch(
          /The saved API key \(credentials\.json\) was damaged.*set aside as .*credentials\.damaged-/,
        );
        expect(said).not.toContain(KEY_PART);
      } finally {
        await core.close();
      }
      const aside = (await readdir(dir)).filter((f) => f.startsWith('credentials.damaged-'));
      expect(aside).toHaveLength(1);
      expect((await stat(join(dir, aside[0]!))).mode & 0o777).toBe(0o600);
      // Said once: the next start finds no key file, which is "no key yet", not damage.
      const again = await UploaderCore.create({ dataDir: dir, secrets: new FileSecretStore(dir, {}) });
      try {
        expect(again.dataProblems()).toEqual([]);
      } finally {
        await again.close();
      }
    });

  it('a key saved after it works, and is written whole (no temp file left)', async () => {
    await writeFile(join(dir, 'credentials.json'), 'null');
    const secrets = new FileSecretStore(dir, {});
    expect(await secrets.get()).toBeUndefined();
    expect(secrets.recovered).toMatch(/damaged/);
    await secrets.set('tlk_new');
    expect(secrets.recovered).toBeUndefined();
    expect(await new FileSecretStore(dir, {}).get()).toBe('tlk_new');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('the CLI says it on stderr, then that no key is set (exit 3), without a stack trace', async () => {
    await writeFile(join(dir, 'credentials.json'), `{"apiKey":"${KEY_PART}`, { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { ...process.env, TL_UPLOADER_DATA_DIR: dir };
    delete env.TWELVELABS_API_KEY;
    const child = spawn(process.execPath, ['bin/tl-uploader.mjs', 'resume'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(out).toMatch(/^tl-uploader: The saved API key \(credentials\.json\) was damaged/m);
    expect(out).not.toContain(KEY_PART);
    expect(out).not.toMatch(/^\s+at /m);
    expect(code, out).toBe(3);
  });
});

describe("a damaged Sandbox state (the app's Sandbox)", () => {
  it('`null` starts an empty Sandbox and says so, once; the emptied Sandbox answers', async () => {
    const stateFile = join(dir, 'sandbox', 'emulator', 'state.json');
    await mkdir(join(dir, 'sandbox', 'emulator'), { recursive: true });
    await writeFile(stateFile, 'null');
    const open = () =>
      UploaderCore.create({
        dataDir: dir,
        secrets: new FileSecretStore(dir, {}),
        overrides: { sandbox: true },
        startSandbox: startEmulator,
        sandboxProcessingMs: 0,
      });
    const core = await open();
    try {
      expect(core.dataProblems()).toEqual([
        expect.stringMatching(
          /^The Sandbox's saved state was damaged: it held `null`\. The Sandbox starts empty\./,
        ),
      ]);
      expect((await core.invoke('library:sync', { full: true })).online).toBe(true);
    } finally {
      await core.close();
    }
    const again = await open();
    try {
      expect(again.dataProblems()).toEqual([]);
    } finally {
      await again.close();
    }
  });
});

describe('a document deleted or replaced under the running core', () => {
  for (const [name, act] of [
    ['queue.json deleted', (account: string) => rm(join(account, 'queue.json'))],
    ['queue.journal deleted', (account: string) => rm(join(account, 'queue.journal'))],
    ['queue.json replaced by `null`', (account: string) => writeFile(join(account, 'queue.json'), 'null')],
  ] as const)
    it(`${name}, then a change and a restart: every item is there and nothing is called damaged`, async () => {
      const media = join(dir, 'media');
      await mkdir(media);
      const names = ['one.wav', 'two.wav', 'three.wav'];
      for (const [i, n] of names.entries()) await writeFile(join(media, n), wav(0.1, 8000, 300 + i * 40));
      const emulator = await startEmulator({ apiKey: 'k-12345678' }); // nothing is uploaded: all paused
      const open = () =>
        UploaderCore.create({
          dataDir: dir,
          secrets: new MemorySecretStore('k-12345678'),
          overrides: { baseUrl: emulator.url },
          logger: silentLogger,
        });
      const core = await open();
      try {
        await core.invoke('uploads:pause-all', {});
        await core.invoke('uploads:add', {
          inputs: names.slice(0, 2).map((n) => ({ kind: 'file', path: join(media, n) })),
        });
        await act(join(dir, 'account'));
        await core.invoke('uploads:add', { inputs: [{ kind: 'file', path: join(media, names[2]!) }] });
      } finally {
        await core.close();
      }
      const again = await open();
      try {
        expect(again.dataProblems()).toEqual([]);
        expect(
          again.queue
            .list()
            .map((i) => i.name)
            .sort(),
        ).toEqual([...names].sort());
      } finally {
        await again.close();
        await emulator.close();
      }
    });
});
