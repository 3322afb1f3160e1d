import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, onTestFinished } from 'vitest';
import type { QueueItemView } from '../../electron/shared/queue-types.ts';
import { buildDesktopBundle, StandInApp } from './electron-stand-in/driver.ts';
import { writeMp4File } from './media.ts';
import { makeTempDir } from './temp-dir.ts';

// What desktop-main.test.ts drives the built main process with: the bundle (built once per
// file), launching it under the stand-in Electron, reading its queue, quitting it.

type LaunchOptions = { env?: Record<string, string>; args?: string[] };

/** Builds the desktop bundle before the file's tests (removed after) and launches it on demand. */
export function useDesktopApp(): {
  launch(dataDir?: string, options?: LaunchOptions): Promise<{ app: StandInApp; dataDir: string }>;
  /** The built bundle's folder, for a StandInApp started by hand (a second instance). */
  bundleDir(): string;
} {
  let bundle: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    bundle = await buildDesktopBundle();
  });
  afterAll(() => bundle?.cleanup());

  async function launch(dataDir?: string, options: LaunchOptions = {}) {
    let dir = dataDir;
    if (!dir) {
      const temp = await makeTempDir('tl-desktop-');
      onTestFinished(temp.cleanup);
      dir = temp.dir;
    }
    const app = new StandInApp(bundle.dir, { dataDir: dir, ...options });
    onTestFinished(() => app.kill());
    await app.waitFor('page-loaded');
    return { app, dataDir: dir };
  }
  return { launch, bundleDir: () => bundle.dir };
}

/** The queue as the page reads it (the contract's uploads:list), whatever events carried it. */
export async function items(app: StandInApp): Promise<QueueItemView[]> {
  return (await app.invoke<{ items: QueueItemView[] }>('uploads:list')).value?.items ?? [];
}
/** Waits until an item matches (checked at each report the app makes, and every 200 ms). */
export async function untilItem(app: StandInApp, match: (item: QueueItemView) => boolean, what: string) {
  let found: QueueItemView | undefined;
  await app.until(async () => (found = (await items(app)).find(match)) !== undefined, what);
  return found!;
}
export const quitOrder = (app: StandInApp) =>
  app.reports
    .filter((r) => ['quit-event', 'quit-canceled', 'window-closed'].includes(r.kind))
    .map((r) =>
      r.kind === 'quit-event' ? r.name : r.kind === 'quit-canceled' ? `canceled at ${r.at}` : r.kind,
    );

/** Quits as the person would, answering "Quit" should it ask (uploads may still be running). */
export async function quit(app: StandInApp) {
  await app.control('answer', { kind: 'messageBox', value: 0 });
  await app.control('quit');
  expect(await app.exited).toBe(0);
}

/** Starts a slow upload (the bandwidth limit holds it in `uploading`) and waits until it runs. */
export async function startSlowUpload(app: StandInApp, dataDir: string) {
  const limited = await app.invoke('settings:update', { bandwidthBytesPerSecond: 64_000 });
  expect(limited.ok).toBe(true);
  const file = await writeMp4File(join(dataDir, 'clip.mp4'), 3_000_000, 7);
  const added = await app.invoke('uploads:add', { inputs: [{ kind: 'file', path: file }] });
  expect(added.ok, JSON.stringify(added.error)).toBe(true);
  await untilItem(app, (i) => i.state === 'uploading', 'the upload runs');
  return file;
}

/** No proxy in the environment: the system's (the stand-in's STANDIN_SYSTEM_PROXY) is the one used. */
export const NO_PROXY_ENV = {
  HTTP_PROXY: '',
  HTTPS_PROXY: '',
  http_proxy: '',
  https_proxy: '',
  NO_PROXY: '',
  no_proxy: '',
};

/**
 * An HTTP proxy that records what it is asked for and tunnels it to 127.0.0.1:`targetPort`
 * (undici asks for a CONNECT tunnel, for http targets too). Closed when the test finishes.
 */
export async function startConnectProxy(targetPort: number): Promise<{ port: number; proxied: string[] }> {
  const proxied: string[] = [];
  const proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    proxied.push(`CONNECT ${req.url}`);
    const upstream = connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  return { port: (proxy.address() as AddressInfo).port, proxied };
}
