import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

/**
 * The Electron main process and preload, bundled for the desktop app (`npm run build:desktop`).
 * `--mode preload` builds the preload as CommonJS (sandboxed preloads cannot be ES modules);
 * the default builds main as an ES module. Dependencies stay external: they ship in node_modules.
 */
const external = [
  'electron',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies),
];

const WORKER_URL = `new URL("./chokidar-worker.mjs", import.meta.url)`;

/**
 * The folder watcher's worker is loaded by URL next to the bundle: ship it there. In the packaged
 * app it is unpacked from the asar (electron-builder.yml, asarUnpack): worker threads cannot load
 * a script from inside an asar, so its URL is pointed at `app.asar.unpacked`. The build fails if
 * the URL's spelling changes, rather than shipping a watcher that cannot start.
 */
const chokidarWorker: Plugin = {
  name: 'tl-chokidar-worker',
  renderChunk(code) {
    if (!code.includes(WORKER_URL))
      this.error(`vite.desktop.config.ts: ${WORKER_URL} not found in the bundle; update the asar rewrite.`);
    return code.replace(
      WORKER_URL,
      `new URL("./chokidar-worker.mjs", import.meta.url.replace("/app.asar/", "/app.asar.unpacked/"))`,
    );
  },
  generateBundle() {
    this.emitFile({
      type: 'asset',
      fileName: 'chokidar-worker.mjs',
      source: readFileSync('electron/core/sync/chokidar-worker.mjs', 'utf8'),
    });
  },
};

/**
 * The tray images and the window icon (drawn by scripts/make-icons.ts) ship next to main.js,
 * inside the asar: Linux windows take their icon at run time, and every tray needs its images.
 */
const appImages: Plugin = {
  name: 'tl-app-images',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'icon.png', source: readFileSync('build/icon.png') });
    for (const name of readdirSync('build/tray'))
      this.emitFile({ type: 'asset', fileName: `tray/${name}`, source: readFileSync(`build/tray/${name}`) });
  },
};

export default defineConfig(({ mode }) => {
  const preload = mode === 'preload';
  return {
    plugins: preload ? [] : [chokidarWorker, appImages],
    build: {
      ssr: true,
      target: 'node20',
      outDir: preload ? 'out/preload' : 'out/main',
      emptyOutDir: true,
      minify: false,
      lib: {
        entry: preload ? 'electron/preload/preload.ts' : 'electron/main/main.ts',
        formats: [preload ? 'cjs' : 'es'],
        fileName: () => (preload ? 'preload.cjs' : 'main.js'),
      },
      rollupOptions: { external: preload ? ['electron'] : external },
    },
    ssr: { noExternal: preload ? true : [] },
  };
});
