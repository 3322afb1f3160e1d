import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

export interface ServeProcess {
  /** The address serve printed: `http://127.0.0.1:PORT/#token=…` */
  url: string;
  origin: string;
  port: number;
  token: string;
  child: ChildProcess;
  /** What the process wrote on stderr so far (when started with captureStderr). */
  stderr: () => string;
  stop: () => Promise<void>;
  /** SIGKILL, as a crash or a killed terminal would: nothing is saved or cleaned on the way out. */
  kill: () => Promise<void>;
}

/** Serve mode as the user runs it: `tl-uploader serve`, a child process; its printed URL. */
export async function startServeProcess(
  dataDir: string,
  env: Record<string, string | undefined> = {},
  options: { args?: string[]; captureStderr?: boolean } = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['bin/tl-uploader.mjs', 'serve', ...(options.args ?? [])], {
    env: { ...process.env, TWELVELABS_API_KEY: undefined, TL_UPLOADER_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', options.captureStderr ? 'pipe' : 'inherit'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /running at (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const parsed = new URL(url);
  const token =
    new URLSearchParams(parsed.hash.slice(1)).get('token') ?? parsed.searchParams.get('token') ?? '';
  const exited = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token,
    child,
    stderr: () => stderr,
    stop: () => {
      const done = exited();
      child.kill('SIGTERM');
      return done;
    },
    kill: () => {
      const done = exited();
      child.kill('SIGKILL');
      return done;
    },
  };
}

/** One contract command over serve mode's WebSocket, as the page sends it; its value, or throws. */
export async function serveCommand(
  server: { port: number; token: string },
  name: string,
  payload: unknown = {},
): Promise<unknown> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, ['tl-uploader', `tl-token.${server.token}`]);
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = await new Promise<{ ok: boolean; value?: unknown; error?: unknown }>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { id?: number; ok: boolean };
        if (m.id === 1) resolve(m);
      });
      ws.send(JSON.stringify({ id: 1, command: name, payload }));
    });
    if (!reply.ok) throw new Error(`${name}: ${JSON.stringify(reply.error)}`);
    return reply.value;
  } finally {
    ws.close();
  }
}
