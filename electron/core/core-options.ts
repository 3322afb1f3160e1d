import type { AppSettings } from '../shared/settings-types.ts';
import { DEFAULT_BASE_URL } from './api/client.ts';
import type { Clock, Logger, StartSandbox } from './ports.ts';
import type { SecretStore } from './secrets.ts';
import type { WatchFolder } from './sync/folder-watcher.ts';

export interface UploaderCoreOptions {
  dataDir: string;
  secrets: SecretStore;
  logger?: Logger;
  clock?: Clock;
  /** What the API's User-Agent says; package.json's version (shared/app-version.ts) when absent. */
  version?: string;
  /** Overrides from the environment or flags (TWELVELABS_BASE_URL, --sandbox), not saved. */
  /**
   * For this process only, never saved: a base URL or the Sandbox (CLI flags, environment), and
   * a bandwidth limit that replaces the saved limit and schedule (the CLI's --bwlimit).
   */
  overrides?: { baseUrl?: string; sandbox?: boolean; bandwidthBytesPerSecond?: number };
  watchFolder?: WatchFolder;
  /** How long Sandbox assets stay "processing" (tests make it short). */
  sandboxProcessingMs?: number;
  /**
   * Starts the Sandbox (the local emulator of the API). Each front end hands it in (the CLI, serve
   * mode and the desktop app pass the emulator's startEmulator), so the core never imports the
   * emulator; without it, turning the Sandbox on is refused with a message that says why.
   */
  startSandbox?: StartSandbox;
  /** Shows a file in the system's file manager (the desktop app passes Electron's shell). */
  revealFile?: (path: string) => void;
  /** The system's file or folder picker (the desktop app passes Electron's dialog); [] when canceled. */
  choosePaths?: (kind: 'files' | 'folder') => Promise<string[]>;
}

/** settings.json: what is saved (the rest of AppSettings is worked out when asked). */
export type StoredSettings = Omit<
  AppSettings,
  'apiKeySet' | 'keyStorage' | 'keyStorageText' | 'dataDir' | 'bandwidthInEffect'
> &
  Record<string, unknown>;

export const DEFAULT_SETTINGS: StoredSettings = {
  baseUrl: DEFAULT_BASE_URL,
  sandbox: false,
  concurrency: 3,
  chunkConcurrency: 4,
  bandwidthBytesPerSecond: 0,
  bandwidthSchedule: [],
  folderBandwidthBytesPerSecond: 0,
  defaultOptions: { enableThumbnail: true },
  librarySyncIntervalMs: 60_000,
  thumbnailCacheBytes: 500_000_000,
};
