/**
 * The Sandbox's saved state (emulator/state.json) checked at load: `null`, a cut file or a
 * wrong-shape entry never stops the emulator (nor the app's Sandbox) from starting; what could be
 * read is kept, the rest dropped, and it is said. Real files in a temp folder.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatorState } from '../../emulator/state.ts';
import { checkSnapshot } from '../../emulator/state-check.ts';
import { useTempDirPerTest } from '../helpers/temp-dir.ts';

let dir: string;
useTempDirPerTest((path) => (dir = path));

const asset = (id: string, seq: number) => ({
  id,
  method: 'direct',
  status: 'ready',
  filename: `${id}.mp4`,
  createdAt: '2026-01-01T00:00:00.000Z',
  seq,
  enableHls: false,
  enableThumbnail: true,
});

async function load(content: string) {
  const file = join(dir, 'state.json');
  await writeFile(file, content);
  const state = new EmulatorState(file);
  await state.load();
  await state.flush();
  return state;
}

describe("the Sandbox's saved state", () => {
  for (const [name, content] of [
    ['null', 'null'],
    ['a list', '[]'],
    ['a number', '42'],
    ['cut in half', JSON.stringify({ seq: 2, assets: [asset('a', 1), asset('b', 2)] }).slice(0, 40)],
    ['lists of the wrong type', JSON.stringify({ seq: 'x', assets: 'x', sessions: null, indexes: {} })],
  ] as const)
    it(`starts empty from ${name}, says so, keeps a copy, and is sound at the next start`, async () => {
      const state = await load(content);
      expect(state.assets.size).toBe(0);
      expect(state.recovered).toMatch(
        /^The Sandbox's saved state was damaged: .+ The Sandbox starts empty\./,
      );
      expect(state.recovered).toMatch(/kept as .*state\.json\.damaged-/);
      const copies = (await readdir(dir)).filter((f) => f.startsWith('state.json.damaged-'));
      expect(copies).toHaveLength(1);
      expect(await readFile(join(dir, copies[0]!), 'utf8')).toBe(content);
      // The repaired state was written over the damaged one: nothing to say the next time.
      const again = new EmulatorState(join(dir, 'state.json'));
      await again.load();
      expect(again.recovered).toBeUndefined();
    });

  it('keeps the sound entries, drops the bad ones, and numbers after the highest kept', async () => {
    const state = await load(
      JSON.stringify({
        seq: 1, // behind an asset it numbered: recomputed
        assets: [asset('a', 1), null, { ...asset('b', 7), status: 'exploded' }, asset('c', 5), 'x'],
        sessions: [{ id: 's' }],
      }),
    );
    expect([...state.assets.keys()]).toEqual(['a', 'c']);
    expect(state.sessions.size).toBe(0);
    expect(state.nextSeq()).toBe(6);
    expect(state.recovered).toMatch(/3 of its 5 assets were unreadable/);
    expect(state.recovered).toMatch(/1 of its 1 upload sessions were unreadable/);
    expect(state.recovered).toMatch(/Kept: 2 assets\./);
  });

  it('says nothing about a sound file, or a missing one', async () => {
    const sound = await load(JSON.stringify({ seq: 1, assets: [asset('a', 1)] }));
    expect(sound.recovered).toBeUndefined();
    expect(sound.assets.get('a')?.filename).toBe('a.mp4');
    const missing = new EmulatorState(join(dir, 'nothing-here.json'));
    await missing.load();
    expect(missing.recovered).toBeUndefined();
  });

  it('never throws on any JSON value', () => {
    for (const raw of [null, 0, '', [], {}, { assets: [{}] }, { __proto__: { assets: 1 } }, { seq: -1 }])
      expect(() => checkSnapshot(raw)).not.toThrow();
  });
});

describe('closing', () => {
  it('writes what changed, then nothing: a change a cut request makes after close is not written', async () => {
    const folder = join(dir, 'sandbox');
    await mkdir(folder);
    const file = join(folder, 'state.json');
    const state = new EmulatorState(file);
    state.assets.set('a1', asset('a1', 1) as never);
    state.changed();
    await state.close();
    expect(JSON.parse(await readFile(file, 'utf8')).assets).toHaveLength(1);
    // The folder goes, as a Sandbox without its own removes it; a late change must not write
    // into it (it failed as an unhandled ENOENT in a CI run).
    await rm(folder, { recursive: true });
    state.assets.set('a2', asset('a2', 2) as never);
    state.changed();
    await expect(state.flush()).resolves.toBeUndefined();
  });
});
