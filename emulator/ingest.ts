import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeBytes } from './limits.ts';
import { SNIFF_BYTES, sniff, type Sniffed } from './sniff.ts';
import { sniffDocument } from './sniff-document.ts';

export class TooLargeError extends Error {
  constructor(
    readonly limit: number,
    readonly sniffed: Sniffed,
  ) {
    super(
      `The ${sniffed.kind ?? 'file'} is larger than the ${describeBytes(limit)} limit for ${
        sniffed.kind ? `${sniffed.kind} files` : 'this upload method'
      }.`,
    );
  }
}

export interface Ingested {
  sniffed: Sniffed;
  size: number;
}

/**
 * Streams bytes to `dest` while detecting their type from the first bytes and enforcing the size
 * limit of that type as they arrive: nothing is held in memory, and an oversized upload stops at
 * the limit instead of filling the disk. On any failure the partial file is removed and the source
 * is left unconsumed for the caller to drain or destroy.
 */
export async function ingestStream(
  source: Readable,
  dest: string,
  limitOf: (sniffed: Sniffed) => number,
): Promise<Ingested> {
  let head: Buffer[] = [];
  let headBytes = 0;
  let sniffed: Sniffed | undefined;
  let limit = Infinity;
  let size = 0;

  const decide = () => {
    const bytes = Buffer.concat(head);
    const media = sniff(bytes);
    sniffed = media.kind ? media : (sniffDocument(bytes) ?? media);
    limit = limitOf(sniffed);
  };
  const check = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      size += chunk.length;
      if (!sniffed) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes < SNIFF_BYTES) return done();
        decide();
        const buffered = Buffer.concat(head);
        head = [];
        if (size > limit) return done(new TooLargeError(limit, sniffed!));
        return done(null, buffered);
      }
      if (size > limit) return done(new TooLargeError(limit, sniffed));
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      if (!sniffed) {
        decide();
        if (size > limit) return done(new TooLargeError(limit, sniffed!));
        this.push(Buffer.concat(head));
      }
      done();
    },
  });
  // The source is piped, not part of the pipeline, so a failure here does not destroy it: the
  // caller decides whether to drain it (a form part: the rest of the form must still be read) or
  // to cut it (a download).
  const written = pipeline(check, createWriteStream(dest, { mode: 0o600 }));
  const onSourceError = (error: Error) => check.destroy(error);
  source.on('error', onSourceError);
  source.pipe(check);
  try {
    await written;
  } catch (error) {
    source.unpipe(check);
    await rm(dest, { force: true });
    throw error;
  } finally {
    source.off('error', onSourceError);
  }
  return { sniffed: sniffed!, size };
}
