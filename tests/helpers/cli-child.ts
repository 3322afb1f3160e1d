import { spawn } from 'node:child_process';

export interface CliExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * tl-uploader as a real child process, with `env` over this process's environment (the data
 * folder, base URL and key a test points it at). `done` resolves once it has exited, with all it
 * printed; `stdout()` and `stderr()` read what it printed so far, for a command that runs on
 * (watch) until the test sees what it waits for.
 */
export function runCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['bin/tl-uploader.mjs', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliExit>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/**
 * `runCli` pointed at an API (`baseUrl`, `key`) with its data in `dataDir` and the periodic
 * progress lines held back (a test reads the final lines, not a timer's), run to its exit.
 */
export function runCliAgainst(api: { baseUrl: string; key: string }, dataDir: string, args: string[]) {
  return runCli(args, {
    TL_UPLOADER_DATA_DIR: dataDir,
    TWELVELABS_BASE_URL: api.baseUrl,
    TWELVELABS_API_KEY: api.key,
    TL_UPLOADER_PROGRESS_MS: '60000',
  }).done;
}
