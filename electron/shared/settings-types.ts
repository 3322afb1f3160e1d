import type { UploadOptions } from './domain.ts';
import type { QueueItemView } from './queue-types.ts';

export interface AppSettings {
  baseUrl: string;
  sandbox: boolean;
  concurrency: number;
  chunkConcurrency: number;
  /** 0 = unlimited. */
  bandwidthBytesPerSecond: number;
  defaultOptions: UploadOptions;
  librarySyncIntervalMs: number;
  thumbnailCacheBytes: number;
  /** Read-only facts for the UI. */
  apiKeySet: boolean;
  /** How the key is kept: the OS keychain, a 0600 file (CLI), or Linux's plain-text fallback (warn). */
  keyStorage: 'os' | 'file' | 'environment' | 'basic-text' | 'none';
  dataDir: string;
}

export interface KeyStatus {
  set: boolean;
  /** The result of the last test, when one was made. */
  valid?: boolean;
  message?: string;
}

export interface AddResultView {
  added: QueueItemView[];
  rejected: Array<{ input: string; message: string }>;
}
