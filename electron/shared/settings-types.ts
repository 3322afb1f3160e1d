import type { UploadOptions } from './domain.ts';
import type { QueueItemView } from './queue-types.ts';

/**
 * A weekly window with its own bandwidth limit (rclone's timetable, Resilio's scheduler): "2 MB/s
 * on weekdays 09:00–18:00". Where windows overlap, the first rule in the list wins; outside every
 * window the plain limit applies.
 */
export interface BandwidthRule {
  /** The days a window starts on: 0 = Sunday … 6 = Saturday. */
  days: number[];
  /** Local time, 'HH:MM'. A `to` at or before `from` ends the next day (22:00–06:00); equal = 24 h. */
  from: string;
  to: string;
  /** 0 = unlimited. */
  bytesPerSecond: number;
}

/** The limit in force now, and why. */
export interface BandwidthInEffect {
  bytesPerSecond: number;
  /** Index of the schedule rule that set it; absent = the plain limit. */
  rule?: number;
  /** When the limit changes next (ms since epoch), if within a week. */
  until?: number;
}

export interface AppSettings {
  baseUrl: string;
  sandbox: boolean;
  concurrency: number;
  chunkConcurrency: number;
  /** 0 = unlimited. Outside the schedule's windows. */
  bandwidthBytesPerSecond: number;
  bandwidthSchedule: BandwidthRule[];
  /** Uploads from watched folders at most this, within the limits above; 0 = no limit of their own. */
  folderBandwidthBytesPerSecond: number;
  defaultOptions: UploadOptions;
  librarySyncIntervalMs: number;
  thumbnailCacheBytes: number;
  /** Read-only facts for the UI. */
  apiKeySet: boolean;
  /** How the key is kept: the OS keychain, a 0600 file (CLI), or Linux's plain-text fallback (warn). */
  keyStorage: 'os' | 'file' | 'environment' | 'basic-text' | 'none';
  /** The same in words, true for this front end (key-storage.ts): what Welcome and Settings show. */
  keyStorageText: string;
  dataDir: string;
  bandwidthInEffect: BandwidthInEffect;
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
