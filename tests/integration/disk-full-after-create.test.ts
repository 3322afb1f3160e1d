/**
 * The disk fills up between "the platform created the asset" and "we wrote that down": the upload
 * is not failed (the asset is there, ready), what could not be written stays in memory and is
 * written once there is space, and a restart finds the item ready with its asset: one asset,
 * never a second upload. The full disk is injected through the store port (every write of the
 * queue and the ledger fails while it is "full"); the emulator is real, over HTTP.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { ConfDocumentStore } from '../../electron/core/store/conf-document-store.ts';
import type { DocumentChange } from '../../electron/core/store/document-store.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { wav, writeFixture } from '../helpers/media.ts';
import { makeQueue, waitFor } from '../helpers/queue-harness.ts';
import { until } from '../helpers/serve-client.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'disk-full-key-123';
const disk = { full: false };

/** A real store on a "disk" that refuses every write while it is full. */
class DiskStore extends ConfDocumentStore {
  private refuse(): void {
    if (disk.full)
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
  override async save(data: Record<string, unknown>): Promise<void> {
    this.refuse();
    return super.save(data);
  }
  override async append(changes: DocumentChange[]): Promise<void> {
    this.refuse();
    return super.append(changes);
  }
}

let root: string;
let cleanup: () => Promise<void>;
let emulator: RunningEmulator;
let control: EmulatorControl;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('tl-disk-full-'));
  emulator = await startEmulator({ processingMs: 0, apiKey: KEY });
  control = new EmulatorControl(emulator.origin);
});
afterAll(async () => {
  await emulator?.close();
  await cleanup();
});

/** The real queue (queue-harness.ts) on the disk above. */
const open = (dataDir: string) =>
  makeQueue(emulator.url, dataDir, { apiKey: () => KEY, openStore: (dir, name) => new DiskStore(dir, name) });

describe('a disk that fills up right after the platform created the asset', () => {
  it('the item still ends ready, is written once there is space, and one asset is made', async () => {
    const dataDir = join(root, 'data');
    const media = await writeFixture(join(root, 'clip.wav'), wav(0.3, 8000, 520));
    // The create's answer is held back a moment: the disk fills while it is on its way.
    await control.addFaults({ kind: 'latency', route: 'assets.create', ms: 1_000, count: 1 });
    const first = open(dataDir);
    first.queue.start();
    await first.queue.add([{ kind: 'file', path: media }]);
    await until('the create reached the platform', async () =>
      (await control.requests('assets.create')).length > 0 ? true : undefined,
    );
    disk.full = true;
    try {
      const [item] = await waitFor(first.queue, (items) =>
        items.every((i) => i.state === 'ready' || i.state === 'failed'),
      );
      expect(item!.error).toBeUndefined();
      expect(item!.state).toBe('ready');
    } finally {
      disk.full = false;
    }
    await first.close(); // written now that there is space
    const again = open(dataDir);
    try {
      const [item] = again.queue.list();
      expect(item?.state).toBe('ready');
      expect(item?.assetId).toMatch(/^[0-9a-f]{24}$/);
      expect(again.ledger.knowsAsset(item!.assetId!)).toBe(true);
    } finally {
      await again.close();
    }
    expect((await control.requests('assets.create')).length).toBe(1);
  });
});
