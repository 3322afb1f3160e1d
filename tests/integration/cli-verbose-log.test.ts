/**
 * `tl-uploader --verbose` writes the desktop app's log file (core/log/file-logger.ts) in the data
 * folder, as a real child process against the emulator: what happened is there, the key never is,
 * not even when the platform refuses it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { runCli } from '../helpers/cli-child.ts';
import { writeMp4File } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'tlk_verboseLogKey_5566778899';
let emulator: RunningEmulator;
let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-verbose-'));
  emulator = await startEmulator({ processingMs: 50, apiKey: KEY });
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

function cli(args: string[], dataDir: string, key: string) {
  return runCli(args, {
    TL_UPLOADER_DATA_DIR: dataDir,
    TWELVELABS_BASE_URL: emulator.url,
    TWELVELABS_API_KEY: key,
  }).done;
}

describe('tl-uploader --verbose', () => {
  it('logs to the data folder in the app format, never the key', async () => {
    const file = await writeMp4File(join(root, 'verbose.mp4'), 50_000, 9);
    const dataDir = join(root, 'data');
    const ok = await cli(['upload', file, '--wait', '--verbose'], dataDir, KEY);
    expect(ok.code, ok.stderr).toBe(0);
    const refused = await cli(['upload', file, '--wait', '--verbose'], join(root, 'data-2'), `${KEY}-wrong`);
    expect(refused.code, refused.stderr).toBe(3);

    for (const dir of [dataDir, join(root, 'data-2')]) {
      const log = await readFile(join(dir, 'logs', 'tl-uploader.log'), 'utf8');
      expect(log).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[(debug|info|warn|error)\] +\S/m);
      expect(log).not.toContain(KEY);
    }
    const first = await readFile(join(dataDir, 'logs', 'tl-uploader.log'), 'utf8');
    expect(first).toMatch(/\[info\] +tl-uploader \S+ upload \{"dataDir":/);
    expect(first).toContain('tl-uploader upload ends with exit code 0');
    expect(ok.stderr).toContain('tl-uploader upload ends with exit code 0');
    expect(ok.stderr + refused.stderr).not.toContain(KEY);
  });
});
