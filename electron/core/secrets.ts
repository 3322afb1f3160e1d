import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './file-modes.ts';
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
 * file readable by the user only (0600) in the data directory: private, but not encrypted (the
 * UI says so: key-storage.ts). The Electron app uses the OS keychain through safeStorage instead.
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
    await mkdir(this.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await writeFile(this.path, JSON.stringify({ apiKey: key }), { mode: PRIVATE_FILE_MODE });
    // writeFile's mode applies only when it creates the file: narrow one an older version left.
    await chmod(this.path, PRIVATE_FILE_MODE);
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

/**
 * The key of the app's own Sandbox (`<profile>/sandbox-key`, 0600): made once per data folder,
 * handed to the in-process emulator and to the core's client only, never shown. With it, a web
 * page or another local user that finds the Sandbox's port gets 401, not the person's library.
 */
export async function loadSandboxKey(profileDir: string): Promise<string> {
  const path = join(profileDir, 'sandbox-key');
  try {
    const saved = (await readFile(path, 'utf8')).trim();
    if (/^tl-sandbox-[A-Za-z0-9_-]{43}$/.test(saved)) return saved;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Missing or not ours (cut, edited): a new key; the Sandbox's data stays, only the key changes.
  const key = `tl-sandbox-${randomBytes(32).toString('base64url')}`;
  await writeFile(path, key, { mode: PRIVATE_FILE_MODE });
  await chmod(path, PRIVATE_FILE_MODE);
  return key;
}
