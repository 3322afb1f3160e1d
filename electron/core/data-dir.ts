import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The data folder: TL_UPLOADER_DATA_DIR, or the platform's usual place for app data. Always
 * absolute: a relative TL_UPLOADER_DATA_DIR is taken from the folder the app was started in, once
 * (Electron refuses a relative userData path, and paths saved in the queue must not move with
 * the working folder).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TL_UPLOADER_DATA_DIR) return resolve(env.TL_UPLOADER_DATA_DIR);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'TL Uploader');
  if (process.platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'TL Uploader');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'tl-uploader');
}
