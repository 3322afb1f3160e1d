/**
 * `npm run pack` for real: the desktop bundle is built, electron-builder packs it (against a
 * stand-in Electron folder where no binary is installed), and the result is read back — what the
 * asar holds, what is unpacked next to it, the fuses in the executable. What this checks is our
 * packaging configuration; that Electron runs the result is for a machine with the binary.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import { extractFile, listPackage } from '@electron/asar';
import { TRAY_STATES } from '../../electron/main/tray-state.ts';
import { installedElectronBinary } from '../../scripts/electron-binary.mjs';
import { makeTempDir } from '../helpers/temp-dir.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const linux = process.platform === 'linux';
if (!linux) console.log('desktop-pack: skipped, the packed layout checked here is the Linux one');

describe.runIf(linux)('npm run pack', () => {
  it('ships out/ and the production dependencies only, the worker unpacked, images and fuses set', async () => {
    const { dir: output, cleanup } = await makeTempDir('tl-pack-');
    onTestFinished(cleanup);
    await run('npm', ['run', 'build:desktop'], { cwd: root });
    const packed = await run('node', ['scripts/pack.mjs', `--config.directories.output=${output}`], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (!installedElectronBinary())
      expect(packed.stdout).toContain(
        'packed against a stand-in Electron: this checks our packaging configuration',
      );

    const appDir = join(output, 'linux-unpacked');
    const asarPath = join(appDir, 'resources', 'app.asar');
    const files = listPackage(asarPath, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
    const has = (path: string) => files.includes(path);

    // The app itself, its images, and its manifest pointing at the bundle.
    for (const path of ['/out/main/main.js', '/out/preload/preload.cjs', '/out/renderer/index.html'])
      expect(has(path), path).toBe(true);
    expect(has('/out/main/icon.png')).toBe(true);
    for (const state of TRAY_STATES)
      for (const name of [`tray-${state}`, `tray-${state}Template`])
        for (const suffix of ['', '@2x']) expect(has(`/out/main/tray/${name}${suffix}.png`), name).toBe(true);
    const manifest = JSON.parse(extractFile(asarPath, 'package.json').toString()) as Record<string, unknown>;
    expect(manifest.main).toBe('out/main/main.js');

    // Nothing from the sources, tests, tools or development dependencies.
    const outside = files.filter((f) => !f.startsWith('/node_modules/'));
    expect(
      outside.filter(
        (f) => /\.(ts|map)$/.test(f) || /^\/(electron|tests|emulator|renderer|scripts|bench)\//.test(f),
      ),
    ).toEqual([]);
    const packages = new Set(files.filter((f) => f.startsWith('/node_modules/')).map((f) => f.split('/')[2]));
    for (const dev of [
      'electron',
      'electron-builder',
      'vitest',
      'vite',
      'svelte',
      'typescript',
      'tsx',
      'esbuild',
    ])
      expect(packages.has(dev), dev).toBe(false);

    // Every package the bundles import is shipped.
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'electron']);
    const bundle = (name: string) => readFileSync(join(root, 'out', 'main', name), 'utf8');
    const workers = [
      'chokidar-worker.mjs',
      'native-dir-worker.mjs',
      'scan-worker.mjs',
      'folder-exclusion.mjs',
      'watch-events.mjs',
    ];
    const workerImports = workers.flatMap((name) => [...bundle(name).matchAll(/from ['"]([^'"]+)['"]/g)]);
    const imported = new Set(
      [...bundle('main.js').matchAll(/^import .* from "([^"]+)";$/gm), ...workerImports]
        .map((m) => m[1]!)
        .filter((spec) => !spec.startsWith('.') && !builtins.has(spec))
        .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)),
    );
    expect(imported.size).toBeGreaterThan(3);
    for (const name of imported) expect(has(`/node_modules/${name}/package.json`), name).toBe(true);

    // The watcher's workers, and what they import, next to the asar where a worker thread can load them.
    const unpacked = join(appDir, 'resources', 'app.asar.unpacked');
    for (const path of [
      ...workers.map((name) => `out/main/${name}`),
      'node_modules/chokidar/package.json',
      'node_modules/readdirp/package.json',
    ])
      expect(existsSync(join(unpacked, path)), path).toBe(true);
    // What a worker imports from next to it (the shared exclusion module) is unpacked next to it.
    const relativeImports = workerImports.map((m) => m[1]!).filter((spec) => spec.startsWith('./'));
    expect(relativeImports).toContain('./folder-exclusion.mjs');
    expect(relativeImports).toContain('./watch-events.mjs');
    for (const spec of relativeImports)
      expect(existsSync(join(unpacked, 'out', 'main', spec)), spec).toBe(true);
    for (const name of ['chokidar-worker.mjs', 'native-dir-worker.mjs', 'scan-worker.mjs'])
      expect(bundle('main.js')).toContain(
        `new URL("./${name}", import.meta.url.replace("/app.asar/", "/app.asar.unpacked/"))`,
      );

    // The fuses in the packed executable.
    const wire = await getCurrentFuseWire(join(appDir, 'tl-uploader'));
    const on = (fuse: FuseV1Options) => String.fromCharCode(wire[fuse] as number);
    expect(on(FuseV1Options.RunAsNode)).toBe('0');
    expect(on(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe('0');
    expect(on(FuseV1Options.EnableNodeCliInspectArguments)).toBe('0');
    expect(on(FuseV1Options.EnableCookieEncryption)).toBe('1');
    expect(on(FuseV1Options.OnlyLoadAppFromAsar)).toBe('1');
    expect(on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe('1');
    expect(on(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe('0');
  });
});
