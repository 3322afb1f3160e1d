import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './file-modes.ts';
import type { AppSettings } from '../shared/settings-types.ts';

/** Where the API key lives. It is handed to the API client only: never to a front end or a log. */
export interface SecretStore {
  readonly storage: AppSettings['keyStorage'];
  get(): Promise<string | undefined>;
  set(key: string): Promise<void>;
  clear(): Promise<void>;
  /**
   * Set by get() when the saved key was there but damaged (set aside, never shown): the core says
   * it like other damage in the data folder, instead of a silent "no key".
   */
  readonly recovered?: string;
}

/**
 * The CLI's and serve mode's key store: `TWELVELABS_API_KEY` when set (it wins), otherwise a
 * file readable by the user only (0600) in the data directory: private, but not encrypted (the
 * UI says so: key-storage.ts). The Electron app uses the OS keychain through safeStorage instead.
 */
export class FileSecretStore implements SecretStore {
  private readonly path: string;
  recovered: string | undefined;

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
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined; // no key saved yet
      this.recovered = `The saved API key (credentials.json) could not be read (${code ?? 'unknown error'}): no key is in use. Check the file's permissions, or enter the key again.`;
      return undefined;
    }
    const key = savedKey(text);
    if (key !== undefined) return key;
    // set() only ever writes {"apiKey": "<key>"} and clear() removes the file: anything else is
    // damage. It is set aside (still 0600: it may hold part of the key), never quoted.
    const aside = join(this.dir, `credentials.damaged-${new Date().toISOString().replace(/:/g, '-')}.json`);
    const kept = await rename(this.path, aside).then(
      async () => {
        await chmod(aside, PRIVATE_FILE_MODE).catch(() => undefined); // best effort: the rename kept its mode
        return ` It was set aside as ${aside}.`;
      },
      (error: unknown) =>
        ` It could not be set aside (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}).`,
    );
    this.recovered = `The saved API key (credentials.json) was damaged and cannot be used: no key is in use.${kept} Enter the key again (tl-uploader login, or the app's Settings).`;
    return undefined;
  }

  async set(key: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // Written beside and renamed into place: a crash mid-write never leaves a cut key file.
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ apiKey: key }), { mode: PRIVATE_FILE_MODE });
    // writeFile's mode applies only when it creates the file: narrow one an older run left.
    await chmod(tmp, PRIVATE_FILE_MODE);
    await rename(tmp, this.path);
    this.recovered = undefined;
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** The key in what set() wrote, or undefined when the text is not that (cut, edited, empty). */
function savedKey(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const key = (parsed as { apiKey?: unknown }).apiKey;
    return typeof key === 'string' && key.trim() ? key : undefined;
  } catch {
    return undefined;
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
