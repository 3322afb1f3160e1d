/**
 * Loopback is not a wall, in real Chromium: the person has the app open (serve mode with the
 * Sandbox) and visits another web page served from another port on 127.0.0.1. That page cannot
 * read the token, run a command, drop a file or reset the Sandbox; and the other local server
 * receives no token (no cookie: cookies ignore ports) when the person visits it after the app.
 */
import { expect, test } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { startServeProcess, type ServeProcess } from './serve-harness.ts';

let serve: ServeProcess;
let other: {
  origin: string;
  seen: Array<{ url: string; headers: IncomingHttpHeaders }>;
  close: () => Promise<void>;
};
let cleanup: () => Promise<void>;

/**
 * Another local web server: it records every request (to look for the token) and serves a page
 * (`/attack`) that tries every way it has to reach serve mode and the Sandbox.
 */
async function otherLocalServer() {
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    // A frame with no origin (sandboxed) that tries what a page has, and tells its parent.
    if (req.url === '/null-frame') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end(`<!doctype html><script>${NULL_ORIGIN_ATTACK}
        attack(${JSON.stringify(serve.origin)}).then((r) => parent.postMessage(r, '*'));</script>`);
    }
    if (req.url === '/null-attack') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end(`<!doctype html><title>Another site</title><script>
        addEventListener('message', (e) => { window.result = e.data; });</script>
        <iframe sandbox="allow-scripts" src="/null-frame"></iframe>`);
    }
    if (req.url === '/attack') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end(`<!doctype html><title>Another site</title><h1>Another site</h1>
        <img src="${serve.origin}//"><img src="${serve.origin}/thumbnail/%E0%A4%A">`);
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Another site</title><h1>Another local site</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What a page with no origin (`Origin: null`: a sandboxed frame, a file:// page) can try: a
 * WebSocket with a guessed token, reading the session, a no-cors drop, a text/plain form post.
 */
const NULL_ORIGIN_ATTACK = `async function attack(target) {
  const outcome = async (run) => { try { return await run(); } catch (e) { return 'refused: ' + e.name; } };
  const socket = (protocols) => new Promise((resolve) => {
    const ws = new WebSocket(target.replace('http', 'ws') + '/ws', protocols);
    ws.onopen = () => resolve('opened');
    ws.onclose = () => resolve('refused');
  });
  return {
    origin: String(self.origin),
    socket: await socket(['tl-uploader', 'tl-token.guess']),
    readSession: await outcome(async () => (await fetch(target + '/session')).text()),
    drop: await outcome(async () => (await fetch(target + '/upload?name=null-origin.wav',
      { method: 'POST', mode: 'no-cors', body: new Blob([new Uint8Array(1000)]) })).type),
  };
}`;

/** A contract command from Node, with the token (as the app's own page would). */
async function command(name: string, payload: unknown = {}): Promise<unknown> {
  const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/ws`, ['tl-uploader', `tl-token.${serve.token}`]);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  try {
    return await new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { id?: number; ok?: boolean; value?: unknown; error?: unknown };
        if (m.id !== 1) return;
        if (m.ok) resolve(m.value);
        else reject(new Error(JSON.stringify(m.error)));
      });
      ws.send(JSON.stringify({ id: 1, command: name, payload }));
    });
  } finally {
    ws.close();
  }
}

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-cross-');
  cleanup = tmp.cleanup;
  // The demo's sample assets: a library the Sandbox would lose if it could be reset.
  serve = await startServeProcess(join(tmp.dir, 'data'), { TL_UPLOADER_DEMO: '1' }, { args: ['--sandbox'] });
  other = await otherLocalServer();
});
test.afterAll(async () => {
  await other?.close();
  await serve?.stop();
  await cleanup?.();
});

test('the token leaves the address bar, lives in this tab only, and no cookie is set', async ({
  page,
  context,
}) => {
  await page.goto(serve.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  expect(page.url()).toBe(`${serve.origin}/`);
  expect(await context.cookies()).toEqual([]);
  // A reload keeps working (the token is in this tab's sessionStorage)…
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  // …and a tab opened on the bare address has no key, and says what to do.
  const bare = await context.newPage();
  await bare.goto(`${serve.origin}/`);
  await expect(bare.getByText(/Open the address that `tl-uploader serve`/)).toBeVisible();
  await bare.close();
});

test('another local server receives no token when the person visits it after the app', async ({
  page,
  context,
}) => {
  await page.goto(serve.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  other.seen.length = 0;
  const visit = await context.newPage();
  await visit.goto(`${other.origin}/after-the-app`);
  await expect(visit.getByRole('heading', { name: 'Another local site' })).toBeVisible();
  // The same tab, navigating from the app to the other server: no Referer carries anything either.
  await page.goto(`${other.origin}/from-the-app-tab`);
  await expect(page.getByRole('heading', { name: 'Another local site' })).toBeVisible();
  expect(other.seen.map((r) => r.url)).toEqual(
    expect.arrayContaining(['/after-the-app', '/from-the-app-tab']),
  );
  for (const { url, headers } of other.seen) {
    expect(JSON.stringify(headers), url).not.toContain(serve.token);
    expect(headers.cookie, url).toBeUndefined();
  }
});

test('a page on another local port cannot read the token, run a command, drop a file or reset the Sandbox', async ({
  page,
  context,
}) => {
  // The person has the app open in one tab…
  const app = await context.newPage();
  await app.goto(serve.url);
  await expect(app.getByRole('navigation', { name: 'Main' })).toBeVisible();
  const library = (await command('library:query', { limit: 100 })) as {
    total: number;
    items: Array<{ thumbnail?: { representativeUrl?: string }; hls?: { manifestUrl?: string } }>;
  };
  expect(library.total).toBeGreaterThan(0);
  const sample = library.items.find((a) => a.thumbnail?.representativeUrl ?? a.hls?.manifestUrl);
  const sandboxOrigin = new URL(sample!.thumbnail?.representativeUrl ?? sample!.hls!.manifestUrl!).origin;
  const queueBefore = ((await command('uploads:list')) as { items: unknown[] }).items.length;

  // …and visits another page, served from another port on 127.0.0.1.
  await page.goto(`${other.origin}/attack`);
  const attempts = await page.evaluate(
    async ({ target, sandbox }) => {
      const outcome = async (run: () => Promise<string>) => {
        try {
          return await run();
        } catch (error) {
          return `refused: ${(error as Error).name}`;
        }
      };
      const socket = (protocols?: string[]) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`${target.replace('http', 'ws')}/ws`, protocols);
          ws.onopen = () => resolve('opened');
          ws.onclose = () => resolve('refused');
        });
      const frame = document.createElement('iframe');
      frame.src = `${target}/`;
      document.body.append(frame);
      await new Promise((r) => frame.addEventListener('load', r));
      return {
        cookie: document.cookie,
        readSession: await outcome(async () => (await fetch(`${target}/session`)).text()),
        readSessionWithCredentials: await outcome(async () =>
          (await fetch(`${target}/session`, { credentials: 'include' })).text(),
        ),
        readPage: await outcome(async () => (await fetch(`${target}/`)).text()),
        readFramedStorage: await outcome(
          async () => frame.contentWindow!.sessionStorage.getItem('tl-uploader-token') ?? 'empty',
        ),
        socket: await socket(),
        socketWithProtocol: await socket(['tl-uploader', 'tl-token.guess']),
        dropNoCors: await outcome(async () => {
          const res = await fetch(`${target}/upload?name=evil.wav`, {
            method: 'POST',
            mode: 'no-cors',
            credentials: 'include',
            body: new Blob([new Uint8Array(1000)]),
          });
          return res.type;
        }),
        dropForm: await outcome(async () => {
          const form = document.createElement('form');
          form.method = 'POST';
          form.action = `${target}/upload?name=form.wav`;
          form.enctype = 'text/plain';
          form.target = 'sink';
          const sink = document.createElement('iframe');
          sink.name = 'sink';
          document.body.append(sink, form);
          form.submit();
          await new Promise((r) => sink.addEventListener('load', r));
          return 'submitted';
        }),
        resetSandbox: await outcome(async () => {
          const res = await fetch(`${sandbox}/_emulator/reset`, { method: 'POST', mode: 'no-cors' });
          return res.type;
        }),
      };
    },
    { target: serve.origin, sandbox: sandboxOrigin },
  );

  expect(attempts.cookie).toBe('');
  expect(attempts.readSession).toBe('refused: TypeError'); // no CORS: nothing readable
  expect(attempts.readSessionWithCredentials).toBe('refused: TypeError');
  expect(attempts.readPage).toBe('refused: TypeError');
  expect(attempts.readFramedStorage).toMatch(/^refused: /); // another origin's storage
  expect(attempts.socket).toBe('refused');
  expect(attempts.socketWithProtocol).toBe('refused');

  // What the other page sent changed nothing: no file queued, nothing staged, the process alive.
  expect(serve.child.exitCode).toBeNull();
  const queueAfter = (await command('uploads:list')) as { items: Array<{ name: string }> };
  expect(queueAfter.items.length).toBe(queueBefore);
  expect(queueAfter.items.map((i) => i.name)).not.toContain('evil.wav');
  // The Sandbox still has its library (its control API refuses other origins).
  await command('library:sync', { full: true });
  expect(((await command('library:query', { limit: 100 })) as { total: number }).total).toBe(library.total);
  // The app's own tab is still connected and working.
  await expect(app.getByText('Reconnecting…')).toHaveCount(0);
});

test('a page with no origin (a sandboxed frame, a file:// page) cannot run a command or drop a file', async ({
  page,
}) => {
  const queueBefore = ((await command('uploads:list')) as { items: unknown[] }).items.length;
  await page.goto(`${other.origin}/null-attack`);
  const framed = await (
    await page.waitForFunction(() => (window as { result?: unknown }).result)
  ).jsonValue();
  const tmp = await makeTempDir('tl-e2e-file-page-');
  try {
    const file = join(tmp.dir, 'attack.html');
    await writeFile(file, `<!doctype html><title>A saved page</title><script>${NULL_ORIGIN_ATTACK}</script>`);
    await page.goto(`file://${file}`);
    const fromFile = await page.evaluate(
      (target) => (window as unknown as { attack(t: string): Promise<unknown> }).attack(target),
      serve.origin,
    );
    for (const attempts of [framed, fromFile])
      expect(attempts).toEqual({
        origin: 'null',
        socket: 'refused',
        readSession: 'refused: TypeError',
        // Sent either way: opaque, or cut by Cross-Origin-Resource-Policy; serve refused it (below).
        drop: expect.stringMatching(/^(opaque|refused: TypeError)$/),
      });
  } finally {
    await tmp.cleanup();
  }
  expect(serve.child.exitCode).toBeNull();
  const queueAfter = (await command('uploads:list')) as { items: Array<{ name: string }> };
  expect(queueAfter.items.length).toBe(queueBefore);
  expect(queueAfter.items.map((i) => i.name)).not.toContain('null-origin.wav');
});

test('a tab of an earlier start is told to open the new address, its old token refused', async ({ page }) => {
  const tmp = await makeTempDir('tl-e2e-restart-');
  // A port that is free now, so the second start can take the same one (and the same origin).
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  const args = ['--sandbox', '--port', String(port)];
  let first: ServeProcess | undefined = await startServeProcess(join(tmp.dir, 'data'), {}, { args });
  let second: ServeProcess | undefined;
  try {
    await page.goto(first.url);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await first.stop();
    first = undefined;
    second = await startServeProcess(join(tmp.dir, 'data'), {}, { args });
    // The page reconnects, learns its token is from an earlier start, and says what to do.
    await expect(page.getByRole('alert')).toContainText(
      'TL Uploader was restarted. Open the new address it printed.',
    );
    await page.goto(second.url);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  } finally {
    await first?.stop();
    await second?.stop();
    await tmp.cleanup();
  }
});
