import { createInterface } from 'node:readline/promises';
import type { FileSecretStore } from '../../core/secrets.ts';
import { apiKeyProblem } from '../../shared/api-key.ts';
import { EXIT, UsageError, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'login',
  summary: 'store an API key (read from standard input)',
  help: `Usage: tl-uploader login

Reads a TwelveLabs API key from standard input (typed, or piped: echo "$KEY" | tl-uploader login)
and stores it in the data folder, readable by you only. TWELVELABS_API_KEY wins over it.`,
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
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  const key = (await rl.question(process.stdin.isTTY ? 'TwelveLabs API key: ' : '')).trim();
  rl.close();
  if (key.length < 8) throw new UsageError('That does not look like an API key (too short).');
  // Refused now rather than stored and refused at every request (a pasted NBSP, a line break).
  const problem = apiKeyProblem(key);
  if (problem) throw new UsageError(`That key ${problem}: paste it again from the TwelveLabs dashboard.`);
  await secrets.set(key);
  console.error('The key is stored (readable by you only). Check it with: tl-uploader ls');
  return EXIT.ok;
}
