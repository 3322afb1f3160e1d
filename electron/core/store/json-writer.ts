import { open, rename } from 'node:fs/promises';

const BATCH = 500;

/**
 * Writes a document as JSON without one giant `JSON.stringify`: large objects and arrays at the
 * top level are serialised a few hundred entries at a time, yielding to the event loop between
 * batches, and streamed to a temporary file that then replaces the document (atomic rename).
 * Each entry is serialised whole, so every entry in the file is consistent; entries changed
 * during the write are marked dirty by their owner and written again by the next save.
 */
export async function writeJsonAtomically(path: string, data: Record<string, unknown>): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const file = await open(tmp, 'w');
  let buffer = '';
  const flush = async () => {
    if (buffer) await file.write(buffer);
    buffer = '';
  };
  try {
    buffer += '{';
    let firstKey = true;
    for (const [key, value] of Object.entries(data)) {
      if (value === undefined) continue;
      buffer += `${firstKey ? '' : ','}${JSON.stringify(key)}:`;
      firstKey = false;
      if (Array.isArray(value) && value.length > BATCH) {
        buffer += '[';
        for (let i = 0; i < value.length; i++) {
          buffer += `${i ? ',' : ''}${JSON.stringify(value[i]) ?? 'null'}`;
          if (i % BATCH === BATCH - 1) await yieldAndFlush(flush);
        }
        buffer += ']';
      } else if (
        value &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.keys(value).length > BATCH
      ) {
        buffer += '{';
        let i = 0;
        for (const [k, v] of Object.entries(value)) {
          if (v === undefined) continue;
          buffer += `${i ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(v)}`;
          if (++i % BATCH === 0) await yieldAndFlush(flush);
        }
        buffer += '}';
      } else buffer += JSON.stringify(value);
    }
    buffer += '}';
    await flush();
    await file.close();
  } catch (error) {
    await file.close().catch(() => undefined);
    throw error;
  }
  await rename(tmp, path);
}

async function yieldAndFlush(flush: () => Promise<void>): Promise<void> {
  await flush();
  await new Promise((resolve) => setImmediate(resolve));
}
