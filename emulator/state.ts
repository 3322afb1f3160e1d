import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkedKind } from './limits.ts';
import type { Sniffed } from './sniff.ts';
import { checkSnapshot } from './state-check.ts';

export type AssetStatus = 'processing' | 'ready' | 'failed';
export type AssetMethod = 'direct' | 'url' | 'multipart';
export type SubStatus = 'pending' | 'processing' | 'ready' | 'error';
export type UserMetadata = Record<string, string | number | boolean>;

export interface AssetRecord {
  id: string;
  method: AssetMethod;
  status: AssetStatus;
  filename: string;
  createdAt: string;
  /** Tie-breaker for "newest first" when two assets share a timestamp. */
  seq: number;
  userMetadata?: UserMetadata;
  enableHls: boolean;
  enableThumbnail: boolean;
  sniffed?: Sniffed;
  /** Where the bytes are; absent for seeded assets and while a URL is being fetched. */
  blobPath?: string;
  sourceUrl?: string;
  size?: number;
  duration?: number;
  technicalMetadata?: Record<string, unknown>;
  errorMessage?: string;
  hlsStatus?: SubStatus;
  thumbnailStatus?: SubStatus;
  /** A multipart asset is reserved at session creation but listed only once its upload completes. */
  hidden?: boolean;
}

export interface IndexModel {
  model_name: string;
  model_options: string[];
}

export interface IndexRecord {
  id: string;
  name: string;
  models: IndexModel[];
  addons?: string[];
  createdAt: string;
  updatedAt?: string;
}

/** Indexed-asset status (twelvelabs-indexes.md §3). */
export type IndexedAssetStatus = 'pending' | 'queued' | 'indexing' | 'ready' | 'failed';

export interface IndexedAssetRecord {
  id: string;
  indexId: string;
  assetId: string;
  createdAt: string;
  /** Absent in state saved before indexing was modelled: such records count as `ready`. */
  status?: IndexedAssetStatus;
  updatedAt?: string;
  indexedAt?: string;
  enableVideoStream?: boolean;
  /**
   * The streamable copy `enable_video_stream` asked for, once indexed: `pending` while it is
   * made, `ready` when the asset's video can be streamed, `error` when it has none to stream
   * (a document, an image, audio only) or the Sandbox cannot make one (indexed-stream.ts).
   */
  stream?: 'pending' | 'ready' | 'error';
  userMetadata?: UserMetadata;
  /** Why it failed, for the emulator's log and tests only: the platform's wire has no such field. */
  failure?: string;
}

export interface ChunkRecord {
  etag: string;
  size: number;
  uploadedAt: string;
  reportedAt?: string;
}

export type SessionStatus = 'active' | 'completed' | 'failed' | 'expired';

export interface UploadSessionRecord {
  id: string;
  assetId: string;
  filename: string;
  type: ChunkedKind;
  totalSize: number;
  chunkSize: number;
  totalChunks: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  status: SessionStatus;
  chunks: Record<string, ChunkRecord>;
}

export interface PresignedUrlRecord {
  token: string;
  uploadId: string;
  chunkIndex: number;
  expiresAt: string;
  used: boolean;
}

interface Snapshot {
  seq: number;
  assets: AssetRecord[];
  indexes: IndexRecord[];
  indexedAssets: IndexedAssetRecord[];
  sessions: UploadSessionRecord[];
  presignedUrls: PresignedUrlRecord[];
}

/**
 * All of the emulator's state. In memory; with a data directory it is also written to
 * `state.json` (atomically, coalesced) so a restarted emulator still knows its assets.
 */
export class EmulatorState {
  seq = 0;
  readonly assets = new Map<string, AssetRecord>();
  readonly indexes = new Map<string, IndexRecord>();
  readonly indexedAssets = new Map<string, IndexedAssetRecord>();
  readonly sessions = new Map<string, UploadSessionRecord>();
  readonly presignedUrls = new Map<string, PresignedUrlRecord>();
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  /** Closed: the last write is done, and a late change (a request the close cut) writes nothing. */
  private closed = false;

  constructor(private readonly stateFile: string | undefined) {}

  nextSeq(): number {
    return ++this.seq;
  }

  /**
   * What loading found wrong with `state.json` and what was done, in words (undefined when it was
   * sound). The app says it as a notice, `npm run emulator` on stderr.
   */
  recovered: string | undefined;

  async load(): Promise<void> {
    if (!this.stateFile) return;
    let text: string;
    try {
      text = await readFile(this.stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // first start with this data directory
      this.recovered = `The Sandbox's saved state (${this.stateFile}) could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): the Sandbox starts empty.`;
      return;
    }
    let raw: unknown;
    let parsed = true;
    try {
      raw = JSON.parse(text);
    } catch {
      parsed = false; // said as a problem just below, and the file kept aside
    }
    const { snapshot, problems } = parsed
      ? checkSnapshot(raw)
      : { snapshot: checkSnapshot({}).snapshot, problems: ['it was cut short, or not JSON'] };
    if (problems.length > 0) {
      // Kept for inspection (a copy: what could be read is still in use, and saved over it later).
      const aside = `${this.stateFile}.damaged-${new Date().toISOString().replace(/:/g, '-')}`;
      const kept = await copyFile(this.stateFile, aside).then(
        () => ` The damaged file was kept as ${aside}.`,
        () => ' No copy of the damaged file could be kept.',
      );
      const empty = snapshot.assets.length === 0 && snapshot.sessions.length === 0;
      this.recovered =
        `The Sandbox's saved state was damaged: ${problems.join('; ')}.` +
        (empty ? ' The Sandbox starts empty.' : ` Kept: ${snapshot.assets.length} assets.`) +
        kept;
      // The repaired state replaces the damaged file at once, so this is said once, not at every start.
      this.changed();
    }
    this.seq = snapshot.seq;
    for (const a of snapshot.assets) this.assets.set(a.id, a as unknown as AssetRecord);
    for (const i of snapshot.indexes) this.indexes.set(i.id, i as unknown as IndexRecord);
    for (const ia of snapshot.indexedAssets)
      this.indexedAssets.set(ia.id, ia as unknown as IndexedAssetRecord);
    for (const s of snapshot.sessions) this.sessions.set(s.id, s as unknown as UploadSessionRecord);
    for (const p of snapshot.presignedUrls)
      this.presignedUrls.set(p.token, p as unknown as PresignedUrlRecord);
  }

  /** Marks the state changed; the write happens shortly after, once for many changes. */
  changed(): void {
    if (!this.stateFile || this.saveTimer || this.closed) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.write());
    }, 50);
  }

  async flush(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.write());
    }
    await this.saving;
  }

  /**
   * The last write, after which nothing is written: the data folder may be removed right after
   * (a Sandbox without its own folder removes it), and a write into it then would fail unheard.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  clear(): void {
    this.assets.clear();
    this.indexes.clear();
    this.indexedAssets.clear();
    this.sessions.clear();
    this.presignedUrls.clear();
    this.changed();
  }

  private async write(): Promise<void> {
    if (!this.stateFile) return;
    const snapshot: Snapshot = {
      seq: this.seq,
      assets: [...this.assets.values()],
      indexes: [...this.indexes.values()],
      indexedAssets: [...this.indexedAssets.values()],
      sessions: [...this.sessions.values()],
      presignedUrls: [...this.presignedUrls.values()].filter((p) => !p.used),
    };
    const tmp = `${this.stateFile}.tmp`;
    await writeFile(tmp, JSON.stringify(snapshot), { mode: 0o600 });
    await rename(tmp, this.stateFile);
  }
}

/** Uploaded bytes are the person's: readable by their user only, whatever the umask. */
const PRIVATE_DIR = { recursive: true, mode: 0o700 } as const;

/** Where bytes live: `blobs/<assetId>` and `chunks/<uploadId>/<index>` under the data directory. */
export class BlobStore {
  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(join(this.root, 'blobs'), PRIVATE_DIR);
    await mkdir(join(this.root, 'chunks'), PRIVATE_DIR);
    await mkdir(join(this.root, 'incoming'), PRIVATE_DIR);
  }

  blobPath(assetId: string): string {
    return join(this.root, 'blobs', assetId);
  }

  /** A temporary file for a body being received; renamed into place only when complete. */
  incomingPath(name: string): string {
    return join(this.root, 'incoming', name);
  }

  async sessionDir(uploadId: string): Promise<string> {
    const dir = join(this.root, 'chunks', uploadId);
    await mkdir(dir, PRIVATE_DIR);
    return dir;
  }

  chunkPath(uploadId: string, index: number): string {
    return join(this.root, 'chunks', uploadId, String(index));
  }

  async removeSession(uploadId: string): Promise<void> {
    await rm(join(this.root, 'chunks', uploadId), { recursive: true, force: true });
  }

  async removeBlob(assetId: string): Promise<void> {
    await rm(this.blobPath(assetId), { force: true });
    await rm(`${this.blobPath(assetId)}.stream.mp4`, { force: true }); // its stream copy (hls-remux.ts)
  }

  async clear(): Promise<void> {
    await rm(join(this.root, 'blobs'), { recursive: true, force: true });
    await rm(join(this.root, 'chunks'), { recursive: true, force: true });
    await rm(join(this.root, 'incoming'), { recursive: true, force: true });
    await this.init();
  }
}
