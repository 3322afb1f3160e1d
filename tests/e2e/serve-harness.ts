import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Serve mode as the user runs it: `tl-uploader serve`, a child process; its printed URL. */
export async function startServeProcess(
  dataDir: string,
  env: Record<string, string | undefined> = {},
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['bin/tl-uploader.mjs', 'serve'], {
    env: { ...process.env, TWELVELABS_API_KEY: undefined, TL_UPLOADER_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /running at (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
