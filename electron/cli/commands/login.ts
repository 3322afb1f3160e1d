import { createInterface } from 'node:readline/promises';
import type { FileSecretStore } from '../../core/secrets.ts';
import { apiKeyProblem } from '../../shared/api-key.ts';
import { EXIT, UsageError, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'login',
  summary: 'store an API key (read from standard input)',
  help: `Usage: tl-uploader login

Asks for a TwelveLabs API key and stores it in the data folder, readable by you only. Typed at the
terminal, the key is not shown. It can also come from a file or a password manager on standard
input (tl-uploader login < key.txt), never as an argument, so it stays out of your shell history.
TWELVELABS_API_KEY wins over it.`,
  options: {},
  needsKey: false,
} as const satisfies CommandSpec;

export function check(positionals: string[]): void {
  if (positionals.length > 0)
    throw new UsageError(
      'login takes no arguments: it reads the key from standard input, so it stays out of your shell history.',
    );
}

export async function run(secrets: FileSecretStore): Promise<number> {
  const typed = process.stdin.isTTY
    ? await readHidden('TwelveLabs API key (not shown as you type): ')
    : await readLine();
  if (typed === undefined) {
    console.error('Canceled: no key was stored.');
    return EXIT.interrupted;
  }
  const key = typed.trim();
  if (key.length < 8) throw new UsageError('That does not look like an API key (too short).');
  // Refused now rather than stored and refused at every request (a pasted NBSP, a line break).
  const problem = apiKeyProblem(key);
  if (problem) throw new UsageError(`That key ${problem}: paste it again from the TwelveLabs dashboard.`);
  await secrets.set(key);
  console.error('The key is stored (readable by you only). Check it with: tl-uploader ls');
  return EXIT.ok;
}

/** The first line of piped input (nothing is echoed: no terminal is involved). */
async function readLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

/**
 * A line typed at the terminal with its echo off: the terminal in raw mode shows nothing of what
 * is typed or pasted (as passwd and sudo do), so the key never lands on the screen, in a terminal's
 * scrollback or in a screen recording. Raw mode also turns Ctrl-C into a character: it cancels
 * (undefined). Backspace and Ctrl-U edit what cannot be seen.
 */
function readHidden(prompt: string): Promise<string | undefined> {
  const input = process.stdin;
  // Echo off before the prompt is shown: nothing typed after the prompt can be echoed.
  input.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let typed = '';
    const finish = (value: string | undefined) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(typed);
        if (ch === '\u0003') return finish(undefined);
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch === '\u0015') typed = '';
        else typed += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
