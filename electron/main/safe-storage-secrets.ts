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
  /**
   * Set by get() when a saved key exists but cannot be used (SecretStore.recovered): the core
   * tells the person with a lasting notice, instead of a silent "no key" and a log line.
   */
  recovered: string | undefined;

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
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined; // no key saved yet: the person is asked for one
      this.logger.warn('The saved API key could not be read', { error: (error as Error).message });
      this.recovered = `The saved API key (${this.path}) could not be read (${code ?? 'unknown error'}): no key is in use. Check the file's permissions, or enter the key again in Settings.`;
      return undefined;
    }
    try {
      const { result } = await safeStorage.decryptStringAsync(sealed);
      if (result) return this.remember(result);
      throw new Error('it decrypted to nothing');
    } catch (error) {
      // Another user's or machine's keychain, or a damaged file: ask for the key again. The file
      // is kept: a keychain that is only locked today may read it again, and set() replaces it.
      this.logger.warn('The saved API key could not be decrypted; it must be entered again', {
        error: (error as Error).message,
      });
      this.recovered =
        'The saved API key could not be read (the file is damaged, or was sealed by another user or computer): no key is in use. Enter the key again in Settings.';
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
    this.recovered = undefined;
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
