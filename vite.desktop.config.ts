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

/**
 * The folder workers, loaded by URL: the native directory watch, chokidar's for polling, and the
 * folder scan (scan-worker.mjs).
 */
const WORKERS = ['chokidar-worker.mjs', 'native-dir-worker.mjs', 'scan-worker.mjs'];
/**
 * What they import from next to them: the data folder's exclusion (shared by all three) and the
 * watchers' event batching (watch-events.mjs).
 */
const WORKER_MODULES = ['folder-exclusion.mjs', 'watch-events.mjs'];

/**
 * The folder workers are loaded by URL next to the bundle: ship them there, with what they import. In the
 * packaged app they are unpacked from the asar (electron-builder.yml, asarUnpack): worker threads
 * cannot load a script from inside an asar, so their URLs are pointed at `app.asar.unpacked`. The
 * build fails if a URL's spelling changes, rather than shipping a watcher that cannot start.
 */
const watcherWorkers: Plugin = {
  name: 'tl-watcher-workers',
  renderChunk(code) {
    let out = code;
    for (const file of WORKERS) {
      const url = `new URL("./${file}", import.meta.url)`;
      if (!out.includes(url))
        this.error(`vite.desktop.config.ts: ${url} not found in the bundle; update the asar rewrite.`);
      out = out.replaceAll(
        url,
        `new URL("./${file}", import.meta.url.replace("/app.asar/", "/app.asar.unpacked/"))`,
      );
    }
    return out;
  },
  generateBundle() {
    for (const file of [...WORKERS, ...WORKER_MODULES])
      this.emitFile({
        type: 'asset',
        fileName: file,
        source: readFileSync(`electron/core/sync/${file}`, 'utf8'),
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
    plugins: preload ? [] : [watcherWorkers, appImages],
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
