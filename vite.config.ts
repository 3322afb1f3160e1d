import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/** The renderer: built to out/renderer, served by serve mode and loaded by the Electron window. */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte()],
  build: { outDir: '../out/renderer', emptyOutDir: true, sourcemap: false, target: 'es2022' },
});
