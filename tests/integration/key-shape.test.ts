/**
 * A key no header can carry. Before: the HTTP client refused to send it, which read as a network
 * failure, so an upload waited "for the network" forever while the network was fine. Now: the
 * spaces and line breaks a file or a copy adds around a key are dropped (a `.env` file with
 * Windows line endings gives `KEY\r`), and a key with a character inside it is a key problem,
 * said as such, and never sent. Against the emulator over real HTTP, which takes only the key.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore, MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { apiKeyProblem } from '../../electron/shared/api-key.ts';
import { control, emulator, n, root, useEmulatorPerFile } from '../helpers/emulator-suite.ts';
import { writeMp4File } from '../helpers/media.ts';
import { waitFor } from '../helpers/queue-harness.ts';

const KEY = 'tlk_key-shape-0123456789abcdef';

let dir: string;
let core: UploaderCore | undefined;

useEmulatorPerFile({ apiKey: KEY, processingMs: 20 });
beforeEach(async () => {
  dir = join(root, `case-${n}`);
  await mkdir(dir);
});
afterEach(async () => {
  await core?.close();
  core = undefined;
});

describe('an API key with characters around or inside it', () => {
  it('works when the environment gives it with a Windows line ending', async () => {
    core = await UploaderCore.create({
      dataDir: join(dir, 'data'),
      secrets: new FileSecretStore(join(dir, 'data'), { TWELVELABS_API_KEY: `${KEY}\r` }),
      overrides: { baseUrl: emulator.url },
    });
    const path = await writeMp4File(join(dir, 'crlf.mp4'), 20_000, 1);
    await core.invoke('uploads:add', { inputs: [{ kind: 'file', path }] });
    await waitFor(core.queue, (items) => items[0]?.state === 'ready');
  });

  it('is refused when entered with a character no key has inside it, naming the character', async () => {
    core = await UploaderCore.create({ dataDir: join(dir, 'data'), secrets: new MemorySecretStore() });
    // A non-breaking space copied from a web page, inside the key.
    const pasted = `${KEY.slice(0, 8)}\u00a0${KEY.slice(8)}`;
    const refused = await core.invoke('settings:set-api-key', { apiKey: pasted }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain(
      'apiKey has a character no key has (U+00A0, at position 9), often picked up when copying it',
    );
    expect((refused as Error).message).not.toContain(KEY.slice(8));
    expect(core.settings().apiKeySet).toBe(false);
  });

  it('stops uploads for the key, never sent, when the environment gives such a key', async () => {
    const pasted = `${KEY.slice(0, 8)}\u200b${KEY.slice(8)}`; // a zero-width space
    core = await UploaderCore.create({
      dataDir: join(dir, 'data'),
      secrets: new FileSecretStore(join(dir, 'data'), { TWELVELABS_API_KEY: pasted }),
      overrides: { baseUrl: emulator.url },
    });
    await control.clearRequests();
    const path = await writeMp4File(join(dir, 'zwsp.mp4'), 20_000, 2);
    await core.invoke('uploads:add', { inputs: [{ kind: 'file', path }] });
    // Waiting for a key, not for the network (which is fine: the emulator is right there).
    const [item] = await waitFor(core.queue, (items) => items[0]?.wait?.code === 'auth');
    expect(JSON.stringify(item)).not.toContain(KEY.slice(8));
    expect(core.queue.totals().blockedByAuth).toBe(true);
    // Nothing reached the platform with it (nor without a key).
    expect(await control.requests()).toEqual([]);
  });
});

describe('tl-uploader login', () => {
  it('refuses a key with a character no key has inside it, and stores nothing', async () => {
    const data = join(dir, 'login');
    const child = spawn(process.execPath, ['bin/tl-uploader.mjs', 'login'], {
      env: { ...process.env, TWELVELABS_API_KEY: undefined, TL_UPLOADER_DATA_DIR: data },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(`${KEY.slice(0, 8)}\u00a0${KEY.slice(8)}\n`);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toContain('That key has a character no key has (U+00A0, at position 9)');
    expect(stderr).not.toContain(KEY.slice(8));
    expect(code).toBe(2);
    expect(await new FileSecretStore(data, {}).get()).toBeUndefined();
  });
});

describe('apiKeyProblem', () => {
  it('names the character and its place, never the key', () => {
    expect(apiKeyProblem(KEY)).toBeUndefined();
    for (const c of [' ', '\t', '\n', '\r', '\u00a0', '\u200b', '\u2028', 'é', '\u0000', '\u007f']) {
      const problem = apiKeyProblem(`${KEY}${c}x`);
      expect(problem, JSON.stringify(c)).toContain(`position ${KEY.length + 1}`);
      expect(problem).not.toContain(KEY);
    }
  });
});
