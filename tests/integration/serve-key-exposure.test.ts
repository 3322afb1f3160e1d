/**
 * The API key reaches no page, no log and no file but its own, even when the platform echoes it.
 * A real `tl-uploader serve --verbose` process with a known key, against the emulator, which is
 * made to put the key in what it says: a refused create's error message, a 500's body (retried,
 * so logged), an asset's processing failure. Everything the page receives over the WebSocket and
 * HTTP, everything on stderr and stdout, and every file of the data folder (the log included) is
 * searched for the key. Each echo is checked to have reached the app (its redacted form is seen).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { startServeProcess, type ServeProcess } from '../e2e/serve-harness.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';
import { writeMp4File } from '../helpers/media.ts';
import { ContractClient, http, until } from '../helpers/serve-client.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const KEY = 'tlk_exposure-check-0123456789abcdef';

let emulator: RunningEmulator;
let control: EmulatorControl;
let serve: ServeProcess | undefined;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('tl-key-exposure-'));
  emulator = await startEmulator({ apiKey: KEY, processingMs: 20 });
  control = new EmulatorControl(emulator.origin);
});
afterAll(async () => {
  await serve?.stop();
  await emulator.close();
  await cleanup();
});

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

it('never shows, logs or stores the key, whatever the platform echoes', async () => {
  const data = join(dir, 'data');
  await control.addFaults(
    {
      kind: 'status',
      route: 'assets.create',
      count: 1,
      status: 400,
      body: { code: 'parameter_invalid', message: `create refused for key ${KEY}` },
    },
    {
      kind: 'status',
      route: 'assets.list',
      count: 1,
      status: 500,
      body: { code: 'internal_error', message: `listing failed for ${KEY}` },
    },
    { kind: 'processing', count: 1, outcome: 'failed', message: `processing failed for ${KEY}` },
  );
  serve = await startServeProcess(
    data,
    { TWELVELABS_API_KEY: KEY, TWELVELABS_BASE_URL: emulator.url },
    { args: ['--verbose'], captureStderr: true },
  );
  let stdout = '';
  serve.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const client = await ContractClient.open(serve.port, serve.token);
  const received: string[] = [];
  client.ws.on('message', (d) => received.push(String(d)));
  const bearer = { authorization: `Bearer ${serve.token}` };
  for (const path of ['/', '/session', '/contract'])
    received.push((await http(serve.port, path, bearer)).text);

  type ItemView = { id: string; name: string; state: string; error?: string };
  const items = () => client.call('uploads:list').then((r) => (r.value as { items: ItemView[] }).items);
  const first = await writeMp4File(join(dir, 'refused.mp4'), 20_000, 1);
  await client.call('uploads:add', { inputs: [{ kind: 'file', path: first }] });
  // The refused create: failed, with the platform's message, the key cut out of it.
  const refused = await until('the refused create to fail', async () =>
    (await items()).find((i) => i.name === 'refused.mp4' && i.state === 'failed'),
  );
  expect(refused.error).toContain('create refused for key [redacted]');
  // Then its asset fails processing, with the key in the platform's reason.
  await client.call('uploads:retry', { id: refused.id });
  const processed = await until('the asset to fail processing', async () =>
    (await items()).find((i) => i.id === refused.id && i.state === 'failed' && i.error !== refused.error),
  );
  expect(processed.error).toContain('processing failed for [redacted]');
  expect((await client.call('library:sync', { full: true })).ok).toBe(true);
  for (const name of ['settings:get', 'settings:test-api-key', 'library:list'])
    received.push(JSON.stringify(await client.call(name, {})));
  client.close();
  const running = serve;
  serve = undefined;
  await running.stop();

  const requests = await control.requests();
  expect(requests.some((r) => r.route === 'assets.list' && r.status === 500)).toBe(true);
  const leaks: string[] = [];
  if (received.some((m) => m.includes(KEY))) leaks.push('the WebSocket or HTTP answers');
  if (stdout.includes(KEY)) leaks.push('stdout');
  if (received.join('').length < 1000) leaks.push('(too little was received to tell)');
  if (running.stderr().includes(KEY)) leaks.push('stderr');
  if (!running.stderr().includes('listing failed for [redacted]')) leaks.push('(the 500 was not logged)');
  for (const file of await filesUnder(data))
    if ((await readFile(file)).includes(KEY)) leaks.push(file.slice(data.length));
  expect(leaks).toEqual([]);
});
