#!/usr/bin/env node
// `npm start`: the desktop app where an Electron binary can run; otherwise serve mode (the same
// core, on 127.0.0.1 with a token), said in one line. `npm run demo` does the same on the Sandbox.
import { spawn } from 'node:child_process';
import { installedElectronBinary } from './electron-binary.mjs';

const demo = process.argv.includes('--demo');
const electron = installedElectronBinary();
const display = process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY;

/** Runs a child to its end, forwarding Ctrl-C, and exits with its code. */
function run(command, args, env = {}) {
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

/**
 * `npm run build:desktop`'s three vite builds, said in one line; their output only if one fails.
 * (Serve mode builds the web interface itself, when it is missing or stale.)
 */
async function buildDesktop() {
  console.log('Building the desktop app…');
  const vite = ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'];
  for (const extra of [
    [],
    ['-c', 'vite.desktop.config.ts'],
    ['-c', 'vite.desktop.config.ts', '--mode', 'preload'],
  ]) {
    const child = spawn(process.execPath, [...vite, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (d) => output.push(d));
    child.stderr.on('data', (d) => output.push(d));
    const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    if (code !== 0) {
      process.stderr.write(Buffer.concat(output));
      console.error(
        `Building the desktop app failed (vite ${extra.join(' ') || 'renderer'}); its output is above.`,
      );
      return code;
    }
  }
  return 0;
}

if (electron && display) {
  const built = await buildDesktop();
  if (built !== 0) process.exit(built);
  process.exit(
    await run(
      electron,
      ['out/main/main.js'],
      demo ? { TL_UPLOADER_SANDBOX: '1', TL_UPLOADER_DEMO: '1' } : {},
    ),
  );
} else {
  const reason = !electron
    ? 'the Electron binary is not installed (it cannot be downloaded here)'
    : 'there is no display';
  console.log(`Electron cannot run: ${reason}. Starting serve mode instead.`);
  process.exit(
    await run(
      process.execPath,
      ['bin/tl-uploader.mjs', 'serve', ...(demo ? ['--sandbox'] : [])],
      demo ? { TL_UPLOADER_DEMO: '1' } : {},
    ),
  );
}
