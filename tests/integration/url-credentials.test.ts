/**
 * A URL with a user name and password (issue 17's URL uploads, brief H17): refused at intake, as
 * before, and the refusal never repeats the password: not in what `uploads:add` answers (the
 * renderer shows it and puts it back in the dialog), not on the CLI's terminal or in its --json,
 * not in the CLI's log. The real CLI as a child process against the emulator over real HTTP.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAgainst } from '../helpers/cli-child.ts';
import { emulator, root, useEmulatorPerFile } from '../helpers/emulator-suite.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'tlk_CREDSTESTKEY0000000000000000';
const SECRET = 'pa55w0rd-n0t-t0-b3-sh0wn';
const URL_WITH_CREDS = `https://alice:${SECRET}@media.example.com/clips/talk.mp4`;
useEmulatorPerFile({ processingMs: 20, indexingMs: 40, apiKey: KEY });

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
    // What the person sees: the terminal's two streams together.
    const run = async (args: string[]) => {
      const { code, stdout, stderr } = await runCliAgainst(
        { baseUrl: emulator.url, key: KEY },
        dataDir,
        args,
      );
      return { code, out: stdout + stderr };
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
