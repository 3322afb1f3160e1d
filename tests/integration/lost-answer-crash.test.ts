/**
 * A lost create answer, then a crash before the look that would find its asset (issue 13): a real
 * child process runs the queue through the lost-answer gateway and is SIGKILLed the moment its
 * first reconciliation look reaches the platform. The next start must look again and adopt the
 * asset, never send the create a second time.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { startLostAnswerProxy, type LostAnswerProxy } from '../helpers/lost-answer-proxy.ts';
import { mp4, writeFixture } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let proxy: LostAnswerProxy;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('tl-lost-crash-'));
  emulator = await startEmulator({ processingMs: 30 });
  control = new EmulatorControl(emulator.origin);
  proxy = await startLostAnswerProxy(emulator.origin);
});
afterAll(async () => {
  await proxy.close();
  await emulator.close();
  await cleanup();
});

function runChild(baseUrl: string, dataDir: string, manifest: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/helpers/queue-child.ts', baseUrl, dataDir, manifest],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { child, exited, output: () => out };
}

it('SIGKILLed between a lost create answer and the look for its asset: the restart adopts it', async () => {
  const path = await writeFixture(join(dir, 'crash.mp4'), mp4({ seed: 71, payloadBytes: 6_000 }));
  const manifest = join(dir, 'manifest.json');
  await writeFile(manifest, JSON.stringify([path]));
  const dataDir = join(dir, 'data');
  const lost = proxy.lose({ method: 'POST', path: /^\/v1\.3\/assets$/, fault: 504, count: 1 });
  const running: { child?: ReturnType<typeof runChild>['child'] } = {};
  // The first look for what the lost create made reaches the platform: the app dies right there,
  // before it hears the answer.
  const look = proxy.lose({
    method: 'GET',
    path: /^\/v1\.3\/assets$/,
    count: 1,
    fault: {
      rewrite: (body) => {
        running.child!.kill('SIGKILL');
        return body;
      },
    },
  });
  const first = runChild(`${proxy.origin}/v1.3`, dataDir, manifest);
  running.child = first.child;
  expect(await first.exited).toBe('SIGKILL');
  expect([lost.hits, look.hits]).toEqual([1, 1]);
  expect(await control.requests('assets.create')).toHaveLength(1);

  const second = runChild(emulator.url, dataDir, manifest);
  expect(await second.exited).toBe(0);
  expect(second.output()).toMatch(/idle \["ready"\]/);
  const res = await fetch(`${emulator.url}/assets?page_limit=50`, { headers: { 'x-api-key': 'k' } });
  expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
  expect(await control.requests('assets.create')).toHaveLength(1);
}, 60_000);
