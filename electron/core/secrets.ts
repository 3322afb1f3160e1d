import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppSettings } from '../shared/settings-types.ts';

/** Where the API key lives. It is handed to the API client only: never to a front end or a log. */
export interface SecretStore {
  readonly storage: AppSettings['keyStorage'];
  get(): Promise<string | undefined>;
  set(key: string): Promise<void>;
  clear(): Promise<void>;
}

/**
 * The CLI's and serve mode's key store: `TWELVELABS_API_KEY` when set (it wins), otherwise a
 * file readable by the user only (0600) in the data directory. The Electron app uses the OS
 * keychain through safeStorage instead.
 */
export class FileSecretStore implements SecretStore {
  private readonly path: string;

  constructor(
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.path = join(dir, 'credentials.json');
  }

  get storage(): AppSettings['keyStorage'] {
    return this.env.TWELVELABS_API_KEY ? 'environment' : 'file';
  }

  async get(): Promise<string | undefined> {
    if (this.env.TWELVELABS_API_KEY) return this.env.TWELVELABS_API_KEY;
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as { apiKey?: unknown };
      return typeof parsed.apiKey === 'string' && parsed.apiKey ? parsed.apiKey : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.path, JSON.stringify({ apiKey: key }), { mode: 0o600 });
    await chmod(this.path, 0o600);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** For tests and the Sandbox: in memory. */
export class MemorySecretStore implements SecretStore {
  readonly storage = 'none' as const;
  constructor(private key?: string) {}
  async get() {
    return this.key;
  }
  async set(key: string) {
    this.key = key;
  }
  async clear() {
    this.key = undefined;
  }
}
