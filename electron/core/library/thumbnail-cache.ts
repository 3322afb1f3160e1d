import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request, type Dispatcher } from 'undici';
import { defaultLogger, type Logger } from '../ports.ts';
import type { DocumentStore } from '../store/document-store.ts';
import { PersistedDocument } from '../store/persisted-document.ts';
import { thumbnailIndexSchema } from './library-schema.ts';
import { describeId, isPlatformId } from './platform-ids.ts';

interface CacheEntry {
  file: string;
  size: number;
  lastUsed: number;
}

type CacheIndex = { version: 1; entries: Record<string, CacheEntry> } & Record<string, unknown>;

/**
 * The file a thumbnail is kept in, named by its platform id only (checked by every caller with
 * isPlatformId): never by a name read from disk or sent by the platform, so that no id such as
 * `../../x` and no tampered index can make the cache write or delete outside its folder.
 */
function fileOf(assetId: string): string {
  return `${assetId.toLowerCase()}.img`;
}

/**
 * A thumbnail is a small picture: a URL that sends more than this (a wrong or hostile answer) is
 * cut off rather than allowed to fill the disk before the cache's size limit is looked at.
 */
export const MAX_THUMBNAIL_BYTES = 20 * 1024 * 1024;

function capped(max: number): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > max ? new Error(`the thumbnail is larger than ${max} bytes`) : null, chunk);
    },
  });
}

/**
 * Thumbnails downloaded once and kept on disk, least recently used first out when the cache
 * grows past its size limit, so the library shows pictures offline.
 */
export class ThumbnailCache {
  private readonly index: PersistedDocument<CacheIndex>;
  private readonly inflight = new Map<string, Promise<string | undefined>>();
  /** Cuts the downloads under way when the cache closes (close() then waits for them to settle). */
  private readonly downloads = new AbortController();
  /**
   * Set by close(): nothing is written after it. A download or a forget finishing after its core
   * closed wrote the index when the next core of the same data folder already had it open, and
   * the two writers collided on the same temporary file.
   */
  private closed = false;

  constructor(
    private readonly dir: string,
    store: DocumentStore,
    private maxBytes: number,
    private readonly dispatcher?: Dispatcher,
    private readonly logger: Logger = defaultLogger,
  ) {
    // Checked at load; failed saves are said in this cache's log, not only on stderr.
    this.index = new PersistedDocument<CacheIndex>(store, thumbnailIndexSchema, undefined, logger);
  }

  /** What loading the index found damaged, in words (the core says it as a notice). */
  get recovered(): string | undefined {
    return this.index.recovered;
  }

  setMaxBytes(bytes: number): Promise<void> {
    this.maxBytes = bytes;
    return this.closed ? Promise.resolve() : this.evict(); // applied at the next start
  }

  /** The cached file, if any (no network). */
  cached(assetId: string): string | undefined {
    if (!isPlatformId(assetId)) return undefined;
    if (this.closed) return undefined; // its last use is not written any more: no picture, not a write
    const entry = Object.hasOwn(this.index.data.entries, assetId)
      ? this.index.data.entries[assetId]
      : undefined;
    if (!entry) return undefined;
    entry.lastUsed = Date.now();
    this.index.changed();
    return join(this.dir, fileOf(assetId));
  }

  /** Downloads the thumbnail once (the URL is public: no API key goes there). */
  fetch(assetId: string, url: string): Promise<string | undefined> {
    if (!isPlatformId(assetId)) {
      this.logger.warn('thumbnail not cached: the asset id is not valid', { asset: describeId(assetId) });
      return Promise.resolve(undefined);
    }
    if (this.refusedAfterClose('download', assetId)) return Promise.resolve(undefined);
    const known = this.cached(assetId);
    if (known) return Promise.resolve(known);
    let pending = this.inflight.get(assetId);
    if (!pending) {
      pending = this.download(assetId, url).finally(() => this.inflight.delete(assetId));
      this.inflight.set(assetId, pending);
    }
    return pending;
  }

  async forget(assetId: string): Promise<void> {
    // Forgotten again at the next start, when the library finds the asset gone.
    if (this.refusedAfterClose('forget', assetId)) return;
    await this.drop(assetId);
  }

  /** Removes an entry and its file (forget, and eviction, which runs inside a download close() waits for). */
  private async drop(assetId: string): Promise<void> {
    if (!isPlatformId(assetId) || !Object.hasOwn(this.index.data.entries, assetId)) return;
    delete this.index.data.entries[assetId];
    this.index.changed();
    await rm(join(this.dir, fileOf(assetId)), { force: true });
  }

  totalBytes(): number {
    return Object.values(this.index.data.entries).reduce((sum, e) => sum + e.size, 0);
  }

  /**
   * Cuts the downloads under way (a held connection would otherwise keep the quit waiting for
   * up to 30 s; the picture is fetched again at the next start), waits for them to settle, and
   * only then saves the index: nothing of this cache is written after close() resolves.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.downloads.abort();
    await Promise.allSettled([...this.inflight.values()]);
    await this.index.close();
  }

  /** Whether the cache is closed, said in the log (a late caller is a bug to see, not an error to throw). */
  private refusedAfterClose(what: string, assetId: string): boolean {
    if (!this.closed) return false;
    this.logger.warn(`thumbnails: closed, so the ${what} was not done`, { asset: describeId(assetId) });
    return true;
  }

  private async download(assetId: string, url: string): Promise<string | undefined> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 }); // the person's data: their user only
    const file = fileOf(assetId);
    const tmp = join(this.dir, `${file}.part`);
    try {
      const res = await request(url, {
        dispatcher: this.dispatcher,
        signal: this.downloads.signal,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      if (res.statusCode !== 200) {
        await res.body.dump(); // reads a little (undici bounds it), then lets go
        return undefined;
      }
      if (Number(res.headers['content-length']) > MAX_THUMBNAIL_BYTES) {
        res.body.destroy();
        this.logger.warn('thumbnail not cached: it is too large', { asset: assetId });
        return undefined;
      }
      await pipeline(res.body, capped(MAX_THUMBNAIL_BYTES), createWriteStream(tmp, { mode: 0o600 }));
      // Cut by close() after the last byte: dropped like any cut download (fetched at the next start).
      this.downloads.signal.throwIfAborted();
      await rename(tmp, join(this.dir, file));
    } catch (error) {
      await rm(tmp, { force: true });
      // Offline or gone: the library shows a placeholder and tries again later.
      this.logger.debug('thumbnail not downloaded', { asset: assetId, error: (error as Error).message });
      return undefined;
    }
    const { size } = await stat(join(this.dir, file));
    // close() waits for this download before it saves the index, so this entry is saved with it.
    this.index.data.entries[assetId] = { file, size, lastUsed: Date.now() };
    this.index.changed();
    await this.evict();
    return join(this.dir, file);
  }

  private async evict(): Promise<void> {
    const entries = Object.entries(this.index.data.entries).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    let total = entries.reduce((sum, [, e]) => sum + e.size, 0);
    for (const [assetId] of entries) {
      if (total <= this.maxBytes) break;
      total -= this.index.data.entries[assetId]!.size;
      await this.drop(assetId);
    }
  }
}
