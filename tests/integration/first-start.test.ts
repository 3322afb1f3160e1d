/**
 * A fresh clone after `npm install`: no built web interface. `tl-uploader serve` (what `npm start`
 * and `npm run demo` run) builds it in one line and serves a working page; a source edited later
 * makes the build stale and it is built again. A copy of the project in a temp folder, a real
 * child process, a real vite build.
 */
import { spawn } from 'node:child_process';
import { cp, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureRendererBuilt, rendererBuildNeeded } from '../../electron/cli/renderer-build.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-fresh-clone-'));
  for (const part of [
    'bin',
    'electron',
    'emulator',
    'renderer',
    'package.json',
    'vite.config.ts',
    'svelte.config.js',
    'tsconfig.json',
  ])
    await cp(part, join(root, part), { recursive: true });
  await symlink(join(process.cwd(), 'node_modules'), join(root, 'node_modules'), 'dir');
});
afterAll(() => cleanup());

it('serve on a fresh clone builds the interface in one line, then serves it', async () => {
  expect(await rendererBuildNeeded(root)).toBe('missing');
  const child = spawn(process.execPath, ['bin/tl-uploader.mjs', 'serve', '--sandbox'], {
    cwd: root,
    env: { ...process.env, TWELVELABS_API_KEY: '', TL_UPLOADER_DATA_DIR: join(root, 'data') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const m = /running at (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  try {
    expect(lines[0]).toBe('Building the web interface (first start)…');
    expect(lines[1]).toMatch(/^On the Sandbox: a local stand-in for TwelveLabs/);
    expect(lines[2]).toMatch(/^TL Uploader is running at /); // nothing else before the address
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"></div>');
    expect(await rendererBuildNeeded(root)).toBeUndefined();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}, 60_000);

it('a source newer than the build makes it stale; building again brings it up to date', async () => {
  // The build is made to look an hour old; the source is edited now.
  const index = join(root, 'out', 'renderer', 'index.html');
  const hourAgo = new Date(Date.now() - 3_600_000);
  await utimes(index, hourAgo, hourAgo);
  const source = join(root, 'renderer', 'lib', 'format.ts');
  await writeFile(source, `${await readFile(source, 'utf8')}\n`);
  expect(await rendererBuildNeeded(root)).toBe('stale');
  await ensureRendererBuilt(root);
  expect(await rendererBuildNeeded(root)).toBeUndefined();
}, 60_000);

it('servers starting together build once, one after another, and leave no half-built folder', async () => {
  const index = join(root, 'out', 'renderer', 'index.html');
  const hourAgo = new Date(Date.now() - 3_600_000);
  await utimes(index, hourAgo, hourAgo);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    await Promise.all([ensureRendererBuilt(root), ensureRendererBuilt(root), ensureRendererBuilt(root)]);
  } finally {
    console.log = log;
  }
  expect(lines.filter((l) => l.startsWith('Building the web interface'))).toHaveLength(1);
  expect(await rendererBuildNeeded(root)).toBeUndefined();
  expect((await readdir(join(root, 'out'))).sort()).toEqual(['renderer']);
}, 60_000);
