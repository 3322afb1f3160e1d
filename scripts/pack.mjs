// `npm run pack`: the unpacked app under dist/packages, built by electron-builder from out/.
// With the Electron binary installed, it packs against it. Without one (no download is possible
// here) it packs against a stand-in Electron folder and says so: what is then checked is our
// configuration (files, asar, unpacked worker, icons, fuses), not Electron.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedElectronBinary } from './electron-binary.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The fuse sentinel Electron binaries carry (@electron/fuses), followed by wire version 1, 8 fuses. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron 45's defaults: RunAsNode, cookie encryption off, NODE_OPTIONS, inspect, integrity off… */
const DEFAULT_FUSES = '10110001';

/**
 * A folder shaped like an unpacked Linux Electron: an `electron` executable that only says it is a
 * stand-in, carrying a fuse wire so electron-builder's fuse flipping runs on it for real.
 */
export function makeStandInElectron(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'), { recursive: true });
  const script = Buffer.concat([
    Buffer.from(
      '#!/bin/sh\necho "This is a stand-in for Electron made by npm run pack; it cannot run the app." >&2\nexit 1\n# ',
    ),
    Buffer.from(FUSE_SENTINEL, 'latin1'),
    Buffer.from([1, DEFAULT_FUSES.length]),
    Buffer.from(DEFAULT_FUSES, 'latin1'),
    Buffer.from('\n'),
  ]);
  writeFileSync(join(dir, 'electron'), script);
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'version'), 'stand-in');
  writeFileSync(join(dir, 'locales', 'en-US.pak'), '');
  return dir;
}

function main() {
  const args = ['--dir', '--publish', 'never'];
  if (!installedElectronBinary()) {
    if (process.platform !== 'linux') {
      console.error(
        'npm run pack: the Electron binary is not installed; run `npm install` with network access to fetch it.',
      );
      process.exit(1);
    }
    const dist = makeStandInElectron(join(root, 'dist', 'electron-stand-in'));
    args.push(`--config.electronDist=${dist}`);
    console.log(
      'npm run pack: no Electron binary here, so the app is packed against a stand-in Electron: this checks our packaging configuration, not Electron.',
    );
  }
  const builder = join(root, 'node_modules', '.bin', 'electron-builder');
  if (!existsSync(builder)) throw new Error('electron-builder is not installed: run npm install.');
  const result = spawnSync(builder, [...args, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
