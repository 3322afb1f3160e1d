/**
 * Serve mode shows the renderer built by vite into out/renderer. On a fresh clone it does not
 * exist yet, and after a `git pull` it may be older than its sources: build it then, in one line
 * of output, so `npm start`, `npm run demo` and `tl-uploader serve` just work after `npm install`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The newest modification time under the given files and folders (0 when none exists). */
async function newest(paths: string[]): Promise<number> {
  let latest = 0;
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined); // a listed source may be absent (a trimmed checkout)
    if (!info) continue;
    if (!info.isDirectory()) {
      latest = Math.max(latest, info.mtimeMs);
      continue;
    }
    for (const entry of await readdir(path, { withFileTypes: true, recursive: true }))
      if (entry.isFile()) latest = Math.max(latest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return latest;
}

/** Why the built renderer needs a build, or undefined when it is up to date. */
export async function rendererBuildNeeded(root = ROOT): Promise<'missing' | 'stale' | undefined> {
  // Whatever keeps the built page from being read (mostly: never built), building it is the answer.
  const built = await stat(join(root, 'out', 'renderer', 'index.html')).catch(() => undefined);
  if (!built) return 'missing';
  const sources = await newest(
    ['renderer', 'electron/shared', 'vite.config.ts', 'svelte.config.js'].map((p) => join(root, p)),
  );
  return sources > built.mtimeMs ? 'stale' : undefined;
}

/**
 * Builds the renderer when it is missing or older than its sources. Without vite (an install
 * without dev dependencies) a stale build is used as is; a missing one is an error that says what
 * to do.
 *
 * Several serve processes may start at once (tests do): one builds while the others wait for it
 * (a lock file with the builder's pid; a dead builder's lock is taken over), and the build goes
 * to a folder of its own that then replaces out/renderer, so a running server never serves a
 * half-written build.
 */
export async function ensureRendererBuilt(root = ROOT): Promise<void> {
  if (!(await rendererBuildNeeded(root))) return;
  const out = join(root, 'out');
  await mkdir(out, { recursive: true });
  const lock = join(out, '.renderer-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Gone (its builder just finished) or unreadable: no live holder, so the loop takes it over.
      const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
      if (!alive(holder)) await rm(lock, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`Another process (${holder}) has been building the web interface for 2 minutes.`);
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    // Built by another process while this one waited?
    const need = await rendererBuildNeeded(root);
    if (need) await build(root, need);
  } finally {
    await rm(lock, { force: true });
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function build(root: string, need: 'missing' | 'stale'): Promise<void> {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    if (need === 'stale') return;
    throw new Error(
      'The web interface is not built and vite is not installed: run `npm install`, then `npm run build`.',
    );
  }
  console.log(
    need === 'missing'
      ? 'Building the web interface (first start)…'
      : 'Building the web interface (its sources changed)…',
  );
  const target = join(root, 'out', 'renderer');
  const fresh = `${target}.build-${process.pid}`;
  const output: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'error', '--outDir', fresh], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => output.push(d));
    child.stderr.on('data', (d: Buffer) => output.push(d));
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    await rm(fresh, { recursive: true, force: true });
    process.stderr.write(Buffer.concat(output));
    throw new Error(`Building the web interface failed (vite exited ${code}); its output is above.`);
  }
  // Swap: the old build steps aside, the new one takes its name (two renames, no copying).
  const old = `${target}.old-${process.pid}`;
  await rename(target, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(fresh, target);
  await rm(old, { recursive: true, force: true });
}
