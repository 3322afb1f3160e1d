import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The content's sha256, streamed (constant memory), abortable. Identity is content (DESIGN.md). */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, signal });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
