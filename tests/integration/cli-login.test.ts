/**
 * `tl-uploader login` never shows the key it reads. Typed at a terminal (a real pseudo-terminal,
 * through util-linux `script`), the terminal's echo is off while it is typed; piped, nothing of it
 * is written back. Each run is a real child process; what it stored is read back from the data folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../electron/core/secrets.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'tlk_login-echo-0123456789abcdef';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(async () => cleanup());

const env = (data: string) => ({ ...process.env, TWELVELABS_API_KEY: undefined, TL_UPLOADER_DATA_DIR: data });
const stored = (data: string) => new FileSecretStore(data, {}).get();

/** `script` gives the child a terminal on its stdin, stdout and stderr; everything it shows is captured. */
const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript)
  console.warn(
    'cli-login: util-linux `script` is missing: the terminal cases are skipped, piped input is tested',
  );

/**
 * Runs `tl-uploader login` on a pseudo-terminal: waits for the prompt, then types `keystrokes`
 * (as a terminal sends them: Enter is a carriage return). Returns what the terminal showed.
 */
async function loginOnTerminal(
  data: string,
  keystrokes: string,
): Promise<{ shown: string; code: number | null }> {
  const child = spawn(
    'script',
    ['-q', '-e', '-f', '-c', `${process.execPath} bin/tl-uploader.mjs login`, '/dev/null'],
    {
      env: env(data),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let shown = '';
  let typed = false;
  const onOutput = (d: Buffer) => {
    shown += d.toString();
    // The prompt is out: echo is already off (login turns it off before asking).
    if (!typed && shown.includes('API key')) {
      typed = true;
      child.stdin.write(keystrokes);
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stdin.destroy();
  return { shown, code };
}

describe('tl-uploader login', () => {
  it.runIf(hasScript)(
    'reads a typed key without echoing it to the terminal',
    async () => {
      const data = join(dir, 'typed');
      // A mistyped character erased with Backspace first: editing works though nothing is shown.
      const { shown, code } = await loginOnTerminal(data, `x\u007f${KEY}\r`);
      expect(code, shown).toBe(0);
      expect(shown).toContain('The key is stored');
      expect(shown).not.toContain(KEY.slice(4, 12));
      expect(shown).not.toContain('*'.repeat(8));
      expect(await stored(data)).toBe(KEY);
    },
    30_000,
  );

  it.runIf(hasScript)(
    'Ctrl-C at the prompt stores nothing and exits 130',
    async () => {
      const data = join(dir, 'canceled');
      const { shown, code } = await loginOnTerminal(data, `${KEY.slice(0, 10)}\u0003`);
      expect(code, shown).toBe(130);
      expect(shown).toContain('no key was stored');
      expect(shown).not.toContain(KEY.slice(4, 10));
      expect(await stored(data)).toBeUndefined();
    },
    30_000,
  );

  it('reads a piped key and writes none of it back', async () => {
    const data = join(dir, 'piped');
    const child = spawn(process.execPath, ['bin/tl-uploader.mjs', 'login'], {
      env: env(data),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(`${KEY}\r\nsecond line ignored\n`);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).not.toContain(KEY.slice(4, 12));
    expect(await stored(data)).toBe(KEY);
  }, 30_000);
});
