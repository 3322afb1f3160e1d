import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { safeStorage } from 'electron';
import type { SecretStore } from '../core/secrets.ts';
import type { AppSettings } from '../shared/settings-types.ts';

/**
 * The API key, encrypted at rest with the OS keychain (Keychain, DPAPI, libsecret/kwallet) via
 * Electron's safeStorage. On Linux without a keyring, Electron falls back to `basic_text`: the
 * key is then only obfuscated, and the UI warns (`keyStorage: 'basic-text'`).
 * TWELVELABS_API_KEY still wins when set, as in the CLI.
 */
export class SafeStorageSecretStore implements SecretStore {
  private readonly path: string;

  constructor(userData: string) {
    this.path = join(userData, 'credentials.bin');
  }

  get storage(): AppSettings['keyStorage'] {
    if (process.env.TWELVELABS_API_KEY) return 'environment';
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text')
      return 'basic-text';
    return 'os';
  }

  async get(): Promise<string | undefined> {
    if (process.env.TWELVELABS_API_KEY) return process.env.TWELVELABS_API_KEY;
    try {
      return await safeStorage
        .decryptStringAsync(await readFile(this.path))
        .then((r) => r.result || undefined);
    } catch {
      return undefined;
    }
  }

  async set(key: string): Promise<void> {
    if (!(await safeStorage.isAsyncEncryptionAvailable()))
      throw new Error('The system keychain is not available, so the key cannot be stored encrypted.');
    await writeFile(this.path, await safeStorage.encryptStringAsync(key), { mode: 0o600 });
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
