import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { safeStorage } from 'electron';
import type { Logger } from '../core/ports.ts';
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
  /** Every key this process has held, so the log can cut them out of any line. */
  private readonly seen = new Set<string>();

  constructor(
    userData: string,
    private readonly logger: Logger,
  ) {
    this.path = join(userData, 'credentials.bin');
  }

  /** The keys to redact from logs (read when a line is written). */
  knownSecrets(): string[] {
    return [...this.seen];
  }

  get storage(): AppSettings['keyStorage'] {
    if (process.env.TWELVELABS_API_KEY) return 'environment';
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text')
      return 'basic-text';
    return 'os';
  }

  async get(): Promise<string | undefined> {
    const fromEnv = process.env.TWELVELABS_API_KEY;
    if (fromEnv) return this.remember(fromEnv);
    let sealed: Buffer;
    try {
      sealed = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.logger.warn('The saved API key could not be read', { error: (error as Error).message });
      return undefined; // no key saved yet: the person is asked for one
    }
    try {
      const { result } = await safeStorage.decryptStringAsync(sealed);
      return result ? this.remember(result) : undefined;
    } catch (error) {
      // Another user's or machine's keychain, or a damaged file: ask for the key again.
      this.logger.warn('The saved API key could not be decrypted; it must be entered again', {
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  private remember(key: string): string {
    this.seen.add(key);
    return key;
  }

  async set(key: string): Promise<void> {
    if (!(await safeStorage.isAsyncEncryptionAvailable()))
      throw new Error('The system keychain is not available, so the key cannot be stored encrypted.');
    this.remember(key);
    await writeFile(this.path, await safeStorage.encryptStringAsync(key), { mode: 0o600 });
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
