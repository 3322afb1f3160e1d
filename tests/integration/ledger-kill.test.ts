/**
 * A crash between the two writes that follow a created asset (the queue-crash test's 43 assets for
 * 40 files): the upload ledger had written the asset down, the queue item had not. The next start
 * reconciled the item's saved attempt, but skipped the one asset it found because the ledger knew
 * it, forgot the attempt and uploaded the file again. A real child process is SIGKILLed the moment
 * the ledger's write is on disk; the next start must end with the one asset, never a second create.
 */
import { spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { findOrphanAsset } from '../../electron/core/queue/reconcile.ts';
import type { ItemRecord } from '../../electron/core/queue/item-record.ts';
import type { TransferContext } from '../../electron/core/queue/item-transfer.ts';
import { silentLogger } from '../../electron/core/ports.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { makeQueue } from '../helpers/queue-harness.ts';
import { png, writeFixture } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('tl-ledger-kill-'));
  emulator = await startEmulator({ processingMs: 30 });
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

function runChild(dataDir: string, manifest: string, kill: boolean) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'tests/helpers/ledger-kill-child.ts',
      emulator.url,
      dataDir,
      manifest,
      ...(kill ? ['kill'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { exited, output: () => out };
}

it('a crash right after the ledger wrote an asset down never uploads the file again', async () => {
  const file = await writeFixture(join(dir, 'ledger-kill.png'), png(24, 16));
  const manifest = join(dir, 'manifest.json');
  await writeFile(manifest, JSON.stringify([file]));
  const dataDir = join(dir, 'data');
  const control = new EmulatorControl(emulator.origin);

  const first = runChild(dataDir, manifest, true);
  // Killed by itself at the chosen point, not finished: the asset was created once.
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(first.output()).not.toContain('idle');
  expect(await control.requests('assets.create')).toHaveLength(1);

  const last = runChild(dataDir, manifest, false);
  expect((await last.exited).code).toBe(0);
  expect(last.output()).toBe(`idle ${JSON.stringify(['ready'])}\n`);
  expect(await control.requests('assets.create')).toHaveLength(1);
  const res = await fetch(`${emulator.url}/assets?page_limit=50`, { headers: { 'x-api-key': 'k' } });
  const assets = ((await res.json()) as { data: Array<{ filename: string; status: string }> }).data;
  expect(assets.map((a) => [a.filename, a.status])).toEqual([['ledger-kill.png', 'ready']]);
}, 60_000);

it('reconciliation takes an asset the ledger knows only when the ledger wrote it since the attempt', async () => {
  const file = await writeFixture(join(dir, 'known.png'), png(30, 16));
  const { client, ledger, close } = makeQueue(emulator.url, join(dir, 'guard-data'));
  try {
    const asset = await client.createAssetFromFile(file, { filename: 'known.png' });
    const { size } = await stat(file);
    const since = Date.now() + 1; // the attempt began after the asset was made
    const ctx = {
      client,
      ledger,
      logger: silentLogger,
      items: () => ({}),
      changed: () => undefined,
      clock: { now: () => Date.now(), sleep: () => Promise.resolve() },
    } as unknown as TransferContext;
    const item = () =>
      ({ id: 'i', name: 'known.png', size, sha256: 'h', attemptStartedAt: since }) as ItemRecord;
    // Written down before this attempt began: another upload's (an earlier one of this content).
    await ledger.record('h', { assetId: asset.id, name: 'known.png', size: 0, uploadedAt: since - 1 });
    expect(await findOrphanAsset(ctx, item(), new AbortController().signal)).toBeUndefined();
    // Written down since: this attempt's own, whose item was killed before it was saved.
    await ledger.record('h', { assetId: asset.id, name: 'known.png', size: 0, uploadedAt: since });
    expect(await findOrphanAsset(ctx, item(), new AbortController().signal)).toBe(asset.id);
  } finally {
    await close();
  }
});
