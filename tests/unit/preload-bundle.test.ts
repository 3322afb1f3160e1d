/**
 * The sandboxed preload stays light (issue 19), proven on what is shipped rather than on its
 * imports alone: bundled as the desktop build bundles it (everything in but 'electron'), it holds
 * no package (zod was all of it once: the contract's schemas for the sake of two name lists) and
 * requires nothing but 'electron', which is all a sandboxed preload's `require` can reach.
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the preload bundle', () => {
  it('is the preload and the zod-free name modules, requiring only electron', async () => {
    const result = await build({
      entryPoints: ['electron/preload/preload.ts'],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).sort();
    expect(inputs).toEqual([
      'electron/preload/preload.ts',
      'electron/shared/contract-names.ts',
      'electron/shared/ipc-channels.ts',
    ]);
    const code = result.outputFiles[0]!.text;
    expect([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(code.length).toBeLessThan(20_000);
  });
});
