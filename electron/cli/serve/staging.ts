import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, extname, join, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isUploaded } from '../../shared/item-state.ts';
import type { AddResultView } from '../../shared/settings-types.ts';
import type { QueueItemView } from '../../shared/queue-types.ts';
import type { Logger } from '../../core/ports.ts';
import type { UploaderCore } from '../../core/uploader-core.ts';
import { RequestRefused } from './request-target.ts';

/**
 * Files dropped in the browser are streamed into `<data>/staging/<profile>/<random>/<name>`
 * (folders 0700, files 0600), then queued by path. A staged copy lives exactly as long as a queue
 * item may still read it:
 * - it goes when its item is ready, canceled or removed (Clear finished included);
 * - a duplicate keeps it until it is removed, because "Upload anyway" uploads it (also one that
 *   indexed its existing asset instead of uploading: duplicateOf);
 * - at start (and when the Sandbox/account profile switches) anything in the profile's staging
 *   folder that no queue item references is removed: drops cut short by a crash or a kill, copies
 *   whose item was lost; so are copies of items that became ready or canceled while no serve mode
 *   watched (`tl-uploader resume`). Items still queued after a restart keep theirs and finish.
 * A failed item keeps its copy (Retry may succeed) until it is removed.
 */
export class Staging {
  /** queue item id → its staging folder */
  private readonly staged = new Map<string, string>();
  /** staging folders of drops still streaming in (never swept) */
  private readonly incoming = new Set<string>();
  private readonly unsubscribe: Array<() => void> = [];
  private profile = '';

  constructor(
    private readonly core: UploaderCore,
    readonly maxUploadBytes: number,
    private readonly logger: Logger,
  ) {}

  get base(): string {
    return join(this.core.settings().dataDir, 'staging');
  }

  private profileRoot(): string {
    return join(this.base, this.core.settings().sandbox ? 'sandbox' : 'account');
  }

  async start(): Promise<void> {
    await this.adoptProfile();
    const finished = (item: QueueItemView) => {
      this.track(item);
      if ((isUploaded(item.state) && !item.duplicateOf) || item.state === 'canceled') this.discard(item.id);
    };
    this.unsubscribe.push(
      this.core.on('uploads:item-added', finished),
      this.core.on('uploads:item-changed', finished),
      this.core.on('uploads:item-removed', ({ id }) => this.discard(id)),
      this.core.on('settings:changed', () => {
        if (this.profileRoot() !== this.profile)
          this.adoptProfile().catch((error: unknown) =>
            this.logger.error(`serve: staging could not be swept: ${(error as Error).message}`),
          );
      }),
    );
  }

  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /**
   * What can be refused from the headers alone (no name, a declared size over the limit): also
   * asked before a client waiting on `Expect: 100-continue` is invited to send its body. The
   * file's name, sanitized.
   */
  refuseBeforeBody(req: IncomingMessage, rawName: string): string {
    const name = sanitizeName(rawName);
    if (!name) throw new RequestRefused(400, 'A file name is required (?name=).');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxUploadBytes)
      throw new RequestRefused(
        413,
        `The file is larger than the ${this.maxUploadBytes} bytes the platform takes.`,
      );
    return name;
  }

  /**
   * Streams one dropped file in, then queues it. Answers what `uploads:add` answered. `indexId`:
   * the index chosen in the page ('' = upload without indexing), checked by the contract.
   */
  async receive(req: IncomingMessage, rawName: string, indexId?: string): Promise<AddResultView> {
    const name = this.refuseBeforeBody(req, rawName);
    const root = this.profileRoot();
    const dir = join(root, randomUUID());
    this.incoming.add(dir);
    try {
      await ensurePrivateDir(this.base);
      await ensurePrivateDir(root);
      await mkdir(dir, { mode: 0o700 });
      // On disk under a name every system can create; the platform still gets the name as dropped.
      const path = join(dir, diskName(name));
      let received = 0;
      const limit = new Transform({
        transform: (chunk: Buffer, _encoding, done) => {
          received += chunk.length;
          if (received > this.maxUploadBytes) return done(new RequestRefused(413, 'The file is too large.'));
          done(null, chunk);
        },
      });
      await receiveInto(req, limit, path).catch((error: unknown) => {
        if (error instanceof RequestRefused || isNoSpace(error)) throw error;
        throw new RequestRefused(400, 'The upload was interrupted.');
      });
      // The item-added event tracks the staged copy (it fires before this returns).
      const result = await this.core.invoke('uploads:add', {
        inputs: [
          { kind: 'file', path, options: { filename: name, ...(indexId !== undefined && { indexId }) } },
        ],
      });
      if (result.added.length === 0) await this.remove(dir);
      return result;
    } catch (error) {
      await this.remove(dir);
      // A full disk is not the person's request gone wrong, nor our bug: say where space is needed.
      if (isNoSpace(error))
        throw new RequestRefused(
          507,
          `There is not enough free space in the data folder (${this.base}) to receive ${name}: free some space there, then drop it again.`,
        );
      throw error;
    } finally {
      this.incoming.delete(dir);
    }
  }

  /** Learns the staged items of the profile in use and removes what none of them references. */
  private async adoptProfile(): Promise<void> {
    const root = this.profileRoot();
    this.profile = root;
    this.staged.clear();
    const done: string[] = [];
    for (const item of this.core.queue.list()) {
      this.track(item);
      // Finished while no serve mode watched (the CLI's resume, or before a crash).
      if ((isUploaded(item.state) && !item.duplicateOf) || item.state === 'canceled') done.push(item.id);
    }
    for (const id of done) this.discard(id);
    await ensurePrivateDir(this.base);
    await ensurePrivateDir(root);
    for (const entry of await readdir(root)) {
      const dir = join(root, entry);
      // Looked up now, not before the listing: a drop may have started meanwhile.
      if (this.incoming.has(dir) || [...this.staged.values()].includes(dir)) continue;
      this.logger.info(`serve: removing a staged copy no queue item uses: ${entry}`);
      await this.remove(dir);
    }
  }

  private track(item: QueueItemView): void {
    if (item.source.kind !== 'file' || this.staged.has(item.id)) return;
    const dir = stagedFolder(this.base, item.source.path);
    if (dir) this.staged.set(item.id, dir);
  }

  private discard(id: string): void {
    const dir = this.staged.get(id);
    if (!dir) return;
    this.staged.delete(id);
    void this.remove(dir);
  }

  private async remove(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) =>
      this.logger.error(`serve: a staged copy could not be removed (${dir}): ${(error as Error).message}`),
    );
  }
}

/** `<base>/<profile>/<random>/<name>` (or `<base>/<random>/<name>`, older) → its `<random>` folder. */
export function stagedFolder(base: string, path: string): string | undefined {
  if (!path.startsWith(base + sep)) return undefined;
  const parts = relative(base, path).split(sep);
  if (parts.some((p) => p === '..' || p === '')) return undefined;
  if (parts.length === 3) return join(base, parts[0]!, parts[1]!);
  if (parts.length === 2) return join(base, parts[0]!);
  return undefined;
}

async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder as it was (older versions made it 0755).
  await chmod(dir, 0o700);
}

/**
 * A dropped file's name, made safe: no folders, no control characters (C0, C1, and the bidi
 * controls that make `\u202Egpj.exe` read as "exe.jpg" in the queue), no dot-only names.
 */
export function sanitizeName(raw: string): string {
  let name = basename(raw.replace(/\\/g, '/'))
    .replace(
      /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      '_',
    )
    .trim();
  // File systems count bytes (255 at most): shorten the stem, keep the extension.
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    const extension = extname(name).slice(0, 16);
    const stem = [...name.slice(0, name.length - extension.length)];
    while (stem.length > 0 && Buffer.byteLength(stem.join('') + extension) > MAX_NAME_BYTES) stem.pop();
    name = stem.join('').trim() + extension;
  }
  return /^\.*$/.test(name) ? '' : name;
}

const MAX_NAME_BYTES = 200;

/**
 * The name a staged copy gets on disk. Windows opens its device names (CON, NUL, COM1, LPT1…,
 * with any extension: `nul.mp4` is the null device) instead of creating a file, so the copy would
 * be written to nowhere and read back as nothing; such names get a leading `_` on every system.
 */
export function diskName(name: string): string {
  const stem = name.split('.')[0]!.trimEnd();
  return /^(con|prn|aux|nul|conin\$|conout\$|(com|lpt)[0-9\u00b9\u00b2\u00b3])$/i.test(stem)
    ? `_${name}`
    : name;
}

/**
 * The request's body through `limit` into a new private file. The request itself is piped, not
 * put in the pipeline: a pipeline destroys every stream on failure, and destroying the request
 * destroys its socket, so the person would see "could not be reached" instead of the refusal (too
 * large, disk full). The request is left to the caller, which answers, then drains or cuts it.
 */
async function receiveInto(req: IncomingMessage, limit: Transform, path: string): Promise<void> {
  const cut = () => {
    if (!req.complete) limit.destroy(new RequestRefused(400, 'The upload was interrupted.'));
  };
  req.once('close', cut);
  req.pipe(limit);
  try {
    await pipeline(limit, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } finally {
    req.off('close', cut);
    req.unpipe(limit);
  }
}

/** The disk (or the user's quota) is full. */
function isNoSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
