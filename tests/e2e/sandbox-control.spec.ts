/**
 * The Sandbox's control API against real web pages in real Chromium, on a standalone emulator that
 * takes any key (so only the origin and host checks stand in the way): a page on another local
 * port, and a DNS-rebinding page (its own name resolving to 127.0.0.1, on the emulator's port),
 * try every request a page can make. The Sandbox keeps its assets and its faults.
 */
import { chromium, expect, test, type Browser } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { EmulatorControl } from '../helpers/emulator-control.ts';

let emulator: RunningEmulator;
let control: EmulatorControl;
let other: Server;
let otherOrigin: string;
let browser: Browser;

/** Every way a page has to reach the control API; each outcome as a short string. */
const ATTACK = `<!doctype html><title>attack</title><script>
async function attack(target) {
  const outcome = async (run) => { try { return await run(); } catch (e) { return 'refused: ' + e.name; } };
  const sink = document.createElement('iframe'); sink.name = 'sink'; document.body.append(sink);
  const form = (method, path, enctype) => new Promise((resolve) => {
    const f = document.createElement('form'); f.method = method; f.action = target + path; f.target = 'sink';
    if (enctype) f.enctype = enctype;
    document.body.append(f); sink.addEventListener('load', () => resolve('submitted'), { once: true }); f.submit();
  });
  return {
    resetNoCors: await outcome(async () => (await fetch(target + '/_emulator/reset', { method: 'POST', mode: 'no-cors' })).type),
    resetCors: await outcome(async () => (await fetch(target + '/_emulator/reset', { method: 'POST' })).status),
    clearFaults: await outcome(async () => (await fetch(target + '/_emulator/faults', { method: 'DELETE' })).status),
    readRequests: await outcome(async () => (await (await fetch(target + '/_emulator/requests')).text()).slice(0, 40)),
    resetForm: await outcome(() => form('POST', '/_emulator/reset')),
    resetFormText: await outcome(() => form('POST', '/_emulator/reset', 'text/plain')),
  };
}
</script>`;

test.beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 20 });
  control = new EmulatorControl(emulator.origin);
  other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(ATTACK));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // evil.test is the rebinding attacker's own name, already resolving to this machine.
    // Private Network Access is switched off: Chromium would stop a rebound page on its own, but
    // Firefox and Safari have no such check, and the emulator's own refusal is what is tested.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--host-resolver-rules=MAP evil.test 127.0.0.1',
      '--disable-features=PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests,LocalNetworkAccessChecks',
    ],
  });
});
test.afterAll(async () => {
  await browser.close();
  other.closeAllConnections();
  await new Promise((resolve) => other.close(resolve));
  await emulator.close();
});

/** The Sandbox is intact: its assets and a fault rule (which a reset or a clear would remove). */
async function expectIntact() {
  const health = (await (await fetch(`${emulator.origin}/_emulator/health`)).json()) as { assets: number };
  expect(health.assets).toBe(3);
  const faults = (await (await fetch(`${emulator.origin}/_emulator/faults`)).json()) as { rules: unknown[] };
  expect(faults.rules).toHaveLength(1);
}

test.beforeEach(async () => {
  await control.reset();
  await control.seed({ count: 3 });
  await control.addFaults({ kind: 'latency', route: 'assets.retrieve', ms: 1 });
});

test('a page on another local port cannot reset, rig or read the Sandbox', async () => {
  const page = await browser.newPage();
  await page.goto(`${otherOrigin}/attack`);
  const outcome = await page.evaluate(
    (target) =>
      (window as unknown as { attack: (t: string) => Promise<Record<string, string | number>> }).attack(
        target,
      ),
    emulator.origin,
  );
  // Reads and CORS calls fail in the browser; no-cors and forms go out (each awaited to its
  // answer) but are refused (403), so nothing changed.
  expect(outcome.resetNoCors).toBe('opaque');
  expect(outcome.resetForm).toBe('submitted');
  expect(outcome.resetFormText).toBe('submitted');
  expect(outcome.resetCors).toMatch(/^refused/);
  expect(outcome.clearFaults).toMatch(/^refused/);
  expect(outcome.readRequests).toMatch(/^refused/);
  await expectIntact();
  await page.close();
});

test('a DNS-rebinding page (its own name on the emulator’s port) cannot reset, rig or read it', async () => {
  const page = await browser.newPage();
  const rebound = `http://evil.test:${emulator.port}`;
  // The attacker's document, served under its name before the rebinding; later requests of the
  // page go to 127.0.0.1 under that same name: same-origin for the browser.
  await page.route(`${rebound}/attack`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: ATTACK }),
  );
  await page.goto(`${rebound}/attack`);
  const outcome = await page.evaluate(
    (target) =>
      (window as unknown as { attack: (t: string) => Promise<Record<string, string | number>> }).attack(
        target,
      ),
    rebound,
  );
  // Same-origin for the browser, so the answers are readable: each one is the emulator's refusal.
  expect(outcome.resetCors).toBe(403);
  expect(outcome.clearFaults).toBe(403);
  expect(outcome.readRequests).toMatch(/"code":"forbidden"/);
  // The public API is refused too under a foreign name (a rebinding page cannot list assets).
  const listed = await page.evaluate(
    async (t) => (await fetch(`${t}/v1.3/assets`, { headers: { 'x-api-key': 'any' } })).status,
    rebound,
  );
  expect(listed).toBe(403);
  await expectIntact();
  await page.close();
});
