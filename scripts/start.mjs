#!/usr/bin/env node
// `npm start`: the desktop app where an Electron binary can run; otherwise serve mode (the same
// core, on 127.0.0.1 with a token), said in one line. `npm run demo` adds --sandbox and samples.
import { spawn } from 'node:child_process';
import { installedElectronBinary } from './electron-binary.mjs';

const demo = process.argv.includes('--demo');
const electron = installedElectronBinary();
const display = process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
const reason = !electron
  ? 'the Electron binary is not installed (it cannot be downloaded here)'
  : !display
    ? 'there is no display'
    : 'the desktop bundle (out/main) is not built on this machine';
console.log(`Electron cannot run: ${reason}. Starting serve mode instead.`);
const args = ['bin/tl-uploader.mjs', 'serve', ...(demo ? ['--sandbox'] : [])];
const child = spawn(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, ...(demo && { TL_UPLOADER_DEMO: '1' }) },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
