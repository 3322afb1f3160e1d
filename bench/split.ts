import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Splits a file into `chunkSize` pieces on disk (what `curl -T` needs), returning their paths in order. */
export async function split(file: string, chunkSize: number, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const paths: string[] = [];
  const { size } = await stat(file);
  for (let offset = 0, i = 1; offset < size; offset += chunkSize, i++) {
    const path = join(outDir, String(i));
    await pipeline(
      createReadStream(file, { start: offset, end: Math.min(offset + chunkSize, size) - 1 }),
      createWriteStream(path),
    );
    paths.push(path);
  }
  return paths;
}
