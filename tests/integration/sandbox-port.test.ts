/**
 * The Sandbox is handed to the core as a port (issue 19): the core never imports the emulator, it
 * starts whatever its front end passes, locked to the Sandbox's own key, and a front end that passes
 * none cannot turn the Sandbox on by mistake (the core refuses, says why, and holds nothing).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxOptions } from '../../electron/core/ports.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { startEmulator } from '../../emulator/index.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(() => cleanup());

describe('the Sandbox port', () => {
  it("starts the front end's Sandbox in the data folder, locked to its own key, and closes it", async () => {
    const dataDir = join(dir, 'given');
    const asked: SandboxOptions[] = [];
    let closed = 0;
    const core = await UploaderCore.create({
      dataDir,
      secrets: new MemorySecretStore(),
      sandboxProcessingMs: 20,
      overrides: { sandbox: true },
      startSandbox: async (options) => {
        asked.push(options);
        const sandbox = await startEmulator(options);
        return { ...sandbox, close: () => (closed++, sandbox.close()) };
      },
    });
    try {
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({
        dataDir: join(dataDir, 'sandbox', 'emulator'),
        processingMs: 20,
        lockControl: true,
      });
      expect(asked[0]!.apiKey.length).toBeGreaterThanOrEqual(16);
      // The core talks to that Sandbox: a key check reaches it and passes with the Sandbox's own key.
      expect(core.apiBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.3$/);
      expect(await core.invoke('settings:test-api-key', {})).toMatchObject({ valid: true });
    } finally {
      await core.close();
    }
    expect(closed).toBe(1);
  });

  it('without one, turning the Sandbox on is refused in words, and the data folder is left free', async () => {
    const dataDir = join(dir, 'none');
    await expect(
      UploaderCore.create({ dataDir, secrets: new MemorySecretStore(), overrides: { sandbox: true } }),
    ).rejects.toThrow(/Sandbox cannot start here.*passed no startSandbox/);
    // Nothing was left holding the folder: the same folder opens at once on the account.
    const core = await UploaderCore.create({ dataDir, secrets: new MemorySecretStore() });
    expect(core.settings().sandbox).toBe(false);
    await core.close();
  });
});
