import { homedir } from 'node:os';
import { join } from 'node:path';

/** The data folder: TL_UPLOADER_DATA_DIR, or the platform's usual place for app data. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TL_UPLOADER_DATA_DIR) return env.TL_UPLOADER_DATA_DIR;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'TL Uploader');
  if (process.platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'TL Uploader');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'tl-uploader');
}
