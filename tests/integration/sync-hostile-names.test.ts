/**
 * A watched folder holding a file whose name is not UTF-8 (an old archive, a camera card written
 * by another OS), through the real scan thread, watcher, queue and emulator: the other files are
 * uploaded, and the folder's status names the file and says what to do, instead of leaving it out
 * in silence (the scan listed it under a name no file on disk has).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wav, writeFixture } from '../helpers/media.ts';
import { assetNames, settled, startAll, statusWhere, useSyncSuite, watched } from '../helpers/sync-suite.ts';

useSyncSuite();

describe('a watched folder with a name that is not UTF-8', () => {
  it('uploads the rest and says which file cannot be uploaded and why', async () => {
    await writeFixture(join(watched, 'good.wav'), wav(0.3));
    writeFileSync(
      Buffer.concat([Buffer.from(join(watched, 'take-')), Buffer.from([0xff, 0xfe]), Buffer.from('.wav')]),
      wav(0.3),
    );
    const { sync } = await startAll();
    await sync.addFolder(watched, { stabilityMs: 300 });
    const status = await statusWhere(sync, (s) => s.uploaded === 1 && settled(s) && s.problems.length > 0);
    expect(await assetNames()).toEqual(['good.wav']);
    expect(status.problems).toHaveLength(1);
    expect(status.problems[0]).toMatch(/take-.*\.wav.*not valid UTF-8.*rename/);
  }, 60_000);
});
