import { readFileSync } from 'node:fs';
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

/** The folder watcher's worker is loaded by URL next to the bundle: ship it there. */
const chokidarWorker: Plugin = {
  name: 'tl-chokidar-worker',
  generateBundle() {
    this.emitFile({
      type: 'asset',
      fileName: 'chokidar-worker.mjs',
      source: readFileSync('electron/core/sync/chokidar-worker.mjs', 'utf8'),
    });
  },
};

export default defineConfig(({ mode }) => {
  const preload = mode === 'preload';
  return {
    plugins: preload ? [] : [chokidarWorker],
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
