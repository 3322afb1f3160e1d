/**
 * The emulator's request log marks every request `settled` once the emulator is done with it,
 * whichever way it ended: tests wait on that instead of sleeping, so a way out that forgot the
 * mark would make them wait forever (an injected status fault and a refused key once did).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;

beforeAll(async () => {
  emulator = await startEmulator({ apiKey: 'right-key' });
  control = new EmulatorControl(emulator.origin);
});
afterAll(() => emulator.close());

const list = (key: string) => fetch(`${emulator.url}/assets`, { headers: { 'x-api-key': key } });

it('an injected status fault, a refused key, a 429 and an answer each leave their request settled', async () => {
  await control.addFaults({ kind: 'status', route: 'assets.list', status: 503, count: 1 });
  expect((await list('right-key')).status).toBe(503);
  expect((await list('wrong-key')).status).toBe(401);
  await control.settings({ rateLimits: { 'assets:read': { limit: 1, windowSeconds: 60 } } });
  const answers = [await list('right-key'), await list('right-key')].map((r) => r.status);
  expect(answers).toEqual([200, 429]);

  const logged = await control.requests('assets.list');
  expect(logged.map((r) => [r.status, r.settled])).toEqual([
    [503, true],
    [401, true],
    [200, true],
    [429, true],
  ]);
});
