/**
 * The key in serve mode, in real Chromium: the welcome screen says truthfully how the key is kept
 * (a 0600 file, not encrypted) and where it goes; in Settings, a base URL on another host is only
 * used after the person confirms that host, and until then a capture server receives nothing.
 */
import { expect, test } from '@playwright/test';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { startServeProcess } from './serve-harness.ts';

const KEY = 'tlk_e2e_key_destination_0001';
let emulator: RunningEmulator;
let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;
const seen: IncomingHttpHeaders[] = [];
const capture = createServer((req, res) => {
  seen.push(req.headers);
  req.resume();
  res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"api_key_invalid","message":"x"}');
});
let captureHost: string;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-key-');
  cleanup = tmp.cleanup;
  emulator = await startEmulator({ apiKey: KEY, processingMs: 100 });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  captureHost = `127.0.0.1:${(capture.address() as AddressInfo).port}`;
  // The account's base URL saved earlier (and confirmed then): the local emulator.
  const data = join(tmp.dir, 'data');
  await mkdir(data, { recursive: true });
  await writeFile(join(data, 'settings.json'), JSON.stringify({ baseUrl: emulator.url }));
  server = await startServeProcess(data);
});
test.afterAll(async () => {
  await server.stop();
  capture.closeAllConnections();
  await new Promise((resolve) => capture.close(resolve));
  await emulator.close();
  await cleanup();
});

const carriesKey = (headers: IncomingHttpHeaders) =>
  Object.values(headers).some((v) => String(v).includes(KEY));

test('welcome tells the truth about the key; a new host needs confirming before the key goes there', async ({
  page,
}) => {
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Welcome to TL Uploader' })).toBeVisible();
  const storage = page.getByTestId('key-storage');
  await expect(storage).toContainText('only your user can read (0600)');
  await expect(storage).toContainText('not encrypted');
  await expect(storage).toContainText(`sent only to ${new URL(emulator.url).host}`);
  // Nowhere on the screen a claim that the key is encrypted.
  await expect(page.locator('main')).not.toContainText(/stored encrypted|encrypted on this computer/i);
  await expect(page.locator('main')).not.toContainText(/(?<!not )encrypted/i);

  await page.getByLabel('API key').fill(KEY);
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByTestId('key-storage')).toContainText('not encrypted');

  await page.getByText('Advanced').click();
  const baseUrl = page.getByLabel('API base URL');

  // Plain http to another machine: refused in place, with the reason.
  await baseUrl.fill('http://any-host/v1.3');
  await baseUrl.press('Enter');
  await expect(page.getByRole('alert')).toContainText('must use https:// for any-host');
  await expect(baseUrl).toHaveValue(emulator.url);

  // Another host: nothing is sent until the person confirms that host by name; Cancel keeps all.
  await baseUrl.fill(`http://${captureHost}/v1.3`);
  await baseUrl.press('Enter');
  const confirm = page.getByRole('button', { name: `Send my key to ${captureHost}` });
  await expect(confirm).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(baseUrl).toHaveValue(emulator.url);
  await page.getByRole('button', { name: 'Test key' }).click();
  await expect(page.getByText('The key works.')).toBeVisible(); // still the emulator
  expect(seen).toEqual([]);

  await baseUrl.fill(`http://${captureHost}/v1.3`);
  await baseUrl.press('Enter');
  await confirm.click();
  await expect(confirm).toHaveCount(0);
  await page.getByRole('button', { name: 'Test key' }).click();
  // Now, and only now, the key goes there: the capture server would have seen any earlier leak.
  await expect.poll(() => seen.some(carriesKey)).toBe(true);
});
