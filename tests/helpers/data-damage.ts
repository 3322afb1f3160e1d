/**
 * Pieces of tests/integration/damaged-data.test.ts: the CLI as a child process with a time limit,
 * what the emulator holds, the files of a data folder, and the ways a file is damaged.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RunningEmulator } from '../../emulator/index.ts';

export const KEY = 'damaged-data-key-123';
/** A run that takes longer than this hangs (a sound run takes about 2 s). */
export const RUN_LIMIT_MS = 25_000;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export function cli(args: string[], dataDir: string, baseUrl: string): Promise<Run> {
  const child = spawn(process.execPath, ['bin/tl-uploader.mjs', ...args], {
    env: {
      ...process.env,
      TL_UPLOADER_DATA_DIR: dataDir,
      TWELVELABS_BASE_URL: baseUrl,
      TWELVELABS_API_KEY: KEY,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, RUN_LIMIT_MS);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    }),
  );
}

export async function readyNames(emulator: RunningEmulator): Promise<string[]> {
  const res = await fetch(`${emulator.url}/assets?page_limit=50`, { headers: { 'x-api-key': KEY } });
  const body = (await res.json()) as { data: Array<{ filename: string; status: string }> };
  return body.data.filter((a) => a.status === 'ready').map((a) => a.filename);
}

/** Every file under `dir`, as paths relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

export type Damage = (path: string) => Promise<void>;

const cutInHalf: Damage = async (path) => {
  const bytes = await readFile(path);
  await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
};
const randomBytesOver: Damage = (path) => writeFile(path, randomBytes(512));
const jsonNull: Damage = (path) => writeFile(path, 'null');

/** Each field of a document replaced by a value of another type ("x" or null). */
function wrongShape(value: unknown): Record<string, unknown> {
  const keys = Object.keys(value !== null && typeof value === 'object' ? value : { items: 1 });
  return Object.fromEntries(keys.map((key, i) => [key, i % 2 ? null : 'x']));
}

/** What is done to a document (`<name>.json`). */
const DOCUMENT_DAMAGES: Record<string, Damage> = {
  'cut in half': cutInHalf,
  'random bytes': randomBytesOver,
  null: jsonNull,
  '[]': (path) => writeFile(path, '[]'),
  '{}': (path) => writeFile(path, '{}'),
  'a wrong-shape object': async (path) =>
    writeFile(path, JSON.stringify(wrongShape(parse(await readFile(path, 'utf8'))))),
};

/**
 * What is done to a journal (`<name>.journal`). `[]` and `{}` are left out here: like `null` they
 * are one JSON value where a header line should be, and go down the same path.
 */
const JOURNAL_DAMAGES: Record<string, Damage> = {
  'cut in half': cutInHalf,
  'random bytes': randomBytesOver,
  null: jsonNull,
  'wrong-shape lines': async (path) => {
    const [header, ...lines] = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    const wrong = lines.map((line) => JSON.stringify({ ...(parse(line) as object), v: 'x' }));
    await writeFile(path, [header, ...wrong, '{"p":["items"],"v":null}', ''].join('\n'));
  },
  'a __proto__ line': (path) =>
    appendFile(
      path,
      '{"p":["__proto__","polluted"],"v":true}\n{"p":["items","__proto__"],"v":{"polluted":true}}\n',
    ),
  'a line naming a foreign key': (path) => appendFile(path, '{"p":["somethingElse"],"v":{"x":1}}\n'),
};

/** What is done to any other file (a cached thumbnail): its bytes are not ours to check. */
const OTHER_DAMAGES: Record<string, Damage> = {
  'cut in half': cutInHalf,
  'random bytes': randomBytesOver,
  null: jsonNull,
};

export function damagesFor(file: string): Record<string, Damage> {
  if (file.endsWith('.json')) return DOCUMENT_DAMAGES;
  if (file.endsWith('.journal')) return JOURNAL_DAMAGES;
  return OTHER_DAMAGES;
}

export function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One file of a kind: thumbnails named by asset id are one kind, damaged once. */
export function kindOf(file: string): string {
  return file.replace(/[0-9a-f]{24}/g, '<id>');
}

/** At most `limit` at once: each run is a Node child (about 1.5 s of start-up on a loaded machine). */
export async function inPool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const at = next++;
        results[at] = await tasks[at]!();
      }
    }),
  );
  return results;
}
