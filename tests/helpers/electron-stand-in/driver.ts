/**
 * Runs the real built main process (out/main/main.js, built into a private folder by
 * `buildDesktopBundle`) in a Node child process with the stand-in `electron` module, and drives
 * it: controls go over the child's IPC channel, and everything the stand-in sees is reported back
 * (`reports`), so tests wait on what happened, never on time.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandChannel } from '../../../electron/shared/ipc-channels.ts';
import type { CommandName } from '../../../electron/shared/contract.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const register = join(import.meta.dirname, 'register.mjs');

export interface Report {
  kind: string;
  [key: string]: unknown;
}

/**
 * Builds main and preload with the project's own vite.desktop.config.ts into a folder of the
 * checkout's .tmp (so the bundle's dependencies resolve from node_modules), never touching out/.
 * A one-page renderer stands in for the real one (its tests are elsewhere).
 */
export async function buildDesktopBundle(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = join(root, '.tmp', `desktop-bundle-${process.pid}-${Date.now()}`);
  for (const [mode, out] of [
    ['production', 'main'],
    ['preload', 'preload'],
  ] as const) {
    const built = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '-c',
        'vite.desktop.config.ts',
        '--mode',
        mode,
        '--outDir',
        join(dir, out),
        '--logLevel',
        'error',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    if (built.status !== 0) throw new Error(`vite build (${mode}) failed: ${built.stderr}`);
  }
  await mkdir(join(dir, 'renderer'), { recursive: true });
  await writeFile(
    join(dir, 'renderer', 'index.html'),
    '<!doctype html><title>TL Uploader</title><p>stand-in page</p>',
  );
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export class StandInApp {
  readonly reports: Report[] = [];
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Set<() => void>();

  constructor(
    bundleDir: string,
    options: { dataDir: string; env?: Record<string, string>; args?: string[] },
  ) {
    this.child = fork(join(bundleDir, 'main', 'main.js'), options.args ?? [], {
      cwd: options.dataDir,
      execArgv: ['--import', register],
      env: {
        ...process.env,
        TL_UPLOADER_DATA_DIR: options.dataDir,
        TL_UPLOADER_SANDBOX: '1',
        TWELVELABS_API_KEY: '',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [this.child.stdout, this.child.stderr])
      stream?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.child.on(
      'message',
      (message: { type: string; id?: number; value?: unknown; error?: string } & Report) => {
        if (message.type === 'report') {
          this.reports.push(message);
          this.waiters.forEach((w) => w());
        } else if (message.type === 'reply' && message.id !== undefined) {
          const p = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error !== undefined) p?.reject(new Error(message.error));
          else p?.resolve(message.value);
        }
      },
    );
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        for (const p of this.pending.values()) p.reject(new Error('the app exited'));
        this.pending.clear();
        this.waiters.forEach((w) => w());
        resolve(code);
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  control<T = unknown>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ type: 'control', id, cmd, ...args });
    });
  }

  /** A contract command as the renderer sends it (`from`: our window, or an attacker's). */
  invoke<T = unknown>(
    name: CommandName,
    payload: unknown = {},
    from: 'window' | 'foreign' | 'subframe' | 'other-url' = 'window',
    url?: string,
  ): Promise<{ ok: boolean; value?: T; error?: { code: string; message: string } }> {
    return this.control('invoke', { channel: commandChannel(name), payload, from, url });
  }

  of(kind: string): Report[] {
    return this.reports.filter((r) => r.kind === kind);
  }

  /** Resolves with the first report (from `since` on) that matches; fails if the app exits first. */
  waitFor(kind: string, match: (r: Report) => boolean = () => true, since = 0): Promise<Report> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.reports.slice(since).find((r) => r.kind === kind && match(r));
        if (found) {
          this.waiters.delete(check);
          resolve(found);
        } else if (!this.running) {
          this.waiters.delete(check);
          reject(new Error(`the app exited before reporting ${kind}; output:\n${this.output.join('')}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once `predicate` holds (checked at each report, and every 200 ms); for state read through controls. */
  async until(predicate: () => Promise<boolean>, what: string): Promise<void> {
    for (;;) {
      if (await predicate()) return;
      if (!this.running) throw new Error(`the app exited before ${what}`);
      // Checked again at the next report, or soon: the state read may predate the last report.
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 200);
        this.waiters.add(wake);
      });
    }
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
