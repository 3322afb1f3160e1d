/**
 * A URL with a user name and password (issue 17's URL uploads, brief H17): refused at intake, as
 * before, and the refusal never repeats the password: not in what `uploads:add` answers (the
 * renderer shows it and puts it back in the dialog), not on the CLI's terminal or in its --json,
 * not in the CLI's log. The real CLI as a child process against the emulator over real HTTP.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'tlk_CREDSTESTKEY0000000000000000';
const SECRET = 'pa55w0rd-n0t-t0-b3-sh0wn';
const URL_WITH_CREDS = `https://alice:${SECRET}@media.example.com/clips/talk.mp4`;
let emulator: RunningEmulator;
let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 20, indexingMs: 40, apiKey: KEY });
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

/** Every file under `dir`, read as text (the data folder: logs, queue, settings). */
async function allText(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const texts = await Promise.all(
    entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), 'utf8')),
  );
  return texts.join('\n');
}

describe('a URL with credentials', () => {
  it('is refused at intake without its password in the answer', async () => {
    const { dir: data, cleanup: done } = await makeTempDir();
    const { queue, close } = makeQueue(emulator.url, data, { apiKey: () => KEY });
    try {
      const result = await queue.add([{ kind: 'url', url: URL_WITH_CREDS }]);
      expect(result.added).toEqual([]);
      expect(result.rejected).toEqual([
        { input: expect.stringContaining('media.example.com/clips/talk.mp4'), message: expect.any(String) },
      ]);
      expect(result.rejected[0]!.message).toMatch(/user name or password/);
      expect(JSON.stringify(result)).not.toContain(SECRET);
    } finally {
      await close();
      await done();
    }
  });

  it('the CLI says why on its terminal, its --json and its log, never the password', async () => {
    const dataDir = join(root, 'cli-data');
    const run = (args: string[]) => {
      const child = spawn(process.execPath, ['bin/tl-uploader.mjs', ...args], {
        env: {
          ...process.env,
          TL_UPLOADER_DATA_DIR: dataDir,
          TWELVELABS_BASE_URL: emulator.url,
          TWELVELABS_API_KEY: KEY,
          TL_UPLOADER_PROGRESS_MS: '60000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      return new Promise<{ code: number | null; out: string }>((r) =>
        child.on('close', (code) => r({ code, out })),
      );
    };
    const plain = await run(['upload', URL_WITH_CREDS]);
    const json = await run(['upload', '--json', URL_WITH_CREDS]);
    for (const { code, out } of [plain, json]) {
      expect(code).not.toBe(0);
      expect(out).toMatch(/user name or password/);
      expect(out).toContain('media.example.com/clips/talk.mp4');
      expect(out).not.toContain(SECRET);
    }
    expect(await allText(dataDir)).not.toContain(SECRET);
  }, 60_000);
});
