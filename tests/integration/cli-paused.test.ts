/**
 * A paused item never makes the CLI wait for ever: `resume` leaves an item the person paused
 * paused (it used to wait on it for ever) and `upload --wait` into a queue the app paused ends
 * too; both say which items stay paused and exit 1 ("not every item ended ready"). Real CLI
 * children against the emulator; the paused items are made through the core, as the app does.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { MemorySecretStore } from '../../electron/core/secrets.ts';
import { UploaderCore } from '../../electron/core/uploader-core.ts';
import { cli, KEY, readyNames } from '../helpers/data-damage.ts';
import { wav, writeFixture } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let root: string;
let cleanup: () => Promise<void>;
let emulator: RunningEmulator;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-cli-paused-'));
  await mkdir(join(root, 'media'));
  for (const [i, name] of ['held.wav', 'free.wav', 'late.wav'].entries())
    await writeFixture(join(root, 'media', name), wav(0.2, 8000, 400 + i * 50));
  emulator = await startEmulator({ processingMs: 0, apiKey: KEY });
});
afterAll(async () => {
  await emulator?.close();
  await cleanup();
});

/** A data folder whose queue holds `names`, made by the core; `prepare` pauses what it wants. */
async function folderWith(
  dataDir: string,
  names: string[],
  prepare: (core: UploaderCore, ids: string[]) => void,
) {
  const core = await UploaderCore.create({
    dataDir,
    secrets: new MemorySecretStore(KEY),
    overrides: { baseUrl: emulator.url },
  });
  try {
    // Paused before any upload can start: "pause all" first, the person's own pause after.
    core.queue.pauseAll();
    const { added } =
      names.length === 0
        ? { added: [] }
        : await core.invoke('uploads:add', {
            inputs: names.map((n) => ({ kind: 'file', path: join(root, 'media', n) })),
          });
    prepare(
      core,
      added.map((i) => i.id),
    );
  } finally {
    await core.close();
  }
}

describe('the CLI and paused items', () => {
  it('resume: an item the person paused stays paused, the rest upload, and it ends (exit 1)', async () => {
    const dataDir = join(root, 'resume');
    await folderWith(dataDir, ['held.wav', 'free.wav'], (core, [held]) => {
      // The person's pause of one item, under the app's "pause all" (which resume ends).
      core.queue.resumeAll();
      core.queue.pause(held!);
    });
    const run = await cli(['resume'], dataDir, emulator.url);
    expect(run.timedOut, 'resume waited for the paused item').toBe(false);
    expect(run.stdout).toMatch(/held\.wav: stays paused \(you paused it/);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(await readyNames(emulator)).toContain('free.wav');
    expect(await readyNames(emulator)).not.toContain('held.wav');
  });

  it('upload --wait into a queue the app paused ends, says so, and keeps stdout JSON under --json', async () => {
    const dataDir = join(root, 'upload');
    await folderWith(dataDir, [], () => undefined); // an empty queue under "pause all"
    const run = await cli(
      ['upload', join(root, 'media', 'late.wav'), '--wait', '--json'],
      dataDir,
      emulator.url,
    );
    expect(run.timedOut, 'upload --wait waited for a paused queue').toBe(false);
    expect(run.stderr).toMatch(/late\.wav: stays paused \(all uploads are paused.*tl-uploader resume/);
    expect((JSON.parse(run.stdout) as { items: Array<{ state: string }> }).items).toEqual([
      expect.objectContaining({ state: 'paused' }),
    ]);
    expect(run.code).toBe(1);
  });
});
