/**
 * The desktop app's decisions, as pure functions: tray state and busy-ness from the queue's
 * totals, what closing and quitting do, which senders are trusted, what app:// serves, the menu,
 * the system proxy, the ordered closing of a scope.
 */
import { describe, expect, it } from 'vitest';
import type { QueueTotals } from '../../electron/shared/queue-types.ts';
import { closeAction, filesFromArgv, quitQuestion } from '../../electron/main/app-policy.ts';
import {
  APP_ENTRY_URL,
  DESKTOP_POLICY,
  imageTypeOf,
  resolveAppRequest,
} from '../../electron/main/app-url.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/shared/content-security-policy.ts';
import { menuTemplate } from '../../electron/main/menu-template.ts';
import { Scope } from '../../electron/main/scope.ts';
import { proxyEnvironment } from '../../electron/main/system-proxy.ts';
import { isBusy, OfflineCounter, summarize, trayImageName } from '../../electron/main/tray-state.ts';
import { refusalReason } from '../../electron/main/trusted-sender.ts';

const totals = (over: Partial<QueueTotals> = {}): QueueTotals => ({
  byState: {},
  bytesDone: 0,
  bytesTotal: 0,
  bytesPerSecond: 0,
  paused: false,
  blockedByAuth: false,
  ...over,
});

describe('tray state and busy-ness', () => {
  it('is busy only while items are active or about to start, never for bytes left alone', () => {
    expect(isBusy(totals({ byState: { uploading: 1 }, bytesDone: 10, bytesTotal: 100 }))).toBe(true);
    expect(isBusy(totals({ byState: { queued: 2 }, bytesTotal: 100 }))).toBe(true);
    // Paused, waiting (offline) and missing items leave bytes unsent, yet nothing is working.
    expect(isBusy(totals({ byState: { paused: 3 }, bytesDone: 10, bytesTotal: 100 }))).toBe(false);
    expect(isBusy(totals({ byState: { waiting: 3 }, bytesTotal: 100 }))).toBe(false);
    expect(isBusy(totals({ byState: { 'source-missing': 1 }, bytesTotal: 100 }))).toBe(false);
    expect(isBusy(totals({ byState: { queued: 2 }, paused: true, bytesTotal: 100 }))).toBe(false);
    expect(isBusy(totals({ byState: { queued: 2 }, blockedByAuth: true, bytesTotal: 100 }))).toBe(false);
  });

  it('summarizes state, progress, badge and tooltip from the totals', () => {
    const up = summarize(totals({ byState: { uploading: 2, queued: 1 }, bytesDone: 25, bytesTotal: 100 }), 0);
    expect(up).toMatchObject({
      state: 'uploading',
      progress: 0.25,
      progressMode: 'normal',
      badge: '',
      busy: true,
    });
    expect(up.tooltip).toBe('TL Uploader — uploading 3 files, 25 %');

    const paused = summarize(
      totals({ byState: { paused: 1 }, paused: true, bytesDone: 50, bytesTotal: 100 }),
      0,
    );
    expect(paused).toMatchObject({ state: 'paused', progress: 0.5, progressMode: 'paused', busy: false });

    const offline = summarize(totals({ byState: { waiting: 4 }, bytesTotal: 100 }), 4);
    expect(offline).toMatchObject({ state: 'offline', progress: -1, busy: false });
    expect(offline.tooltip).toContain('offline, 4 files waiting');

    const attention = summarize(totals({ byState: { failed: 2, 'source-missing': 1, ready: 5 } }), 0);
    expect(attention).toMatchObject({ state: 'error', badge: '3', progress: -1 });
    expect(summarize(totals({ blockedByAuth: true }), 0)).toMatchObject({ state: 'error', badge: '1' });
    expect(summarize(totals({ byState: { ready: 9 }, bytesDone: 9, bytesTotal: 9 }), 0).state).toBe('idle');
  });

  it('counts offline items from item events, not from a listing', () => {
    const counter = new OfflineCounter([
      { id: 'a', state: 'waiting', wait: { code: 'offline', message: '' } } as never,
      { id: 'b', state: 'waiting', wait: { code: 'rate-limited', message: '' } } as never,
    ]);
    expect(counter.count).toBe(1);
    counter.update({ id: 'b', state: 'waiting', wait: { code: 'offline', message: '' } } as never);
    expect(counter.count).toBe(2);
    counter.update({ id: 'a', state: 'uploading' } as never);
    counter.remove('b');
    expect(counter.count).toBe(0);
  });

  it('uses template images on macOS only', () => {
    expect(trayImageName('paused', 'darwin')).toBe('tray-pausedTemplate.png');
    expect(trayImageName('paused', 'win32')).toBe('tray-paused.png');
  });
});

describe('closing and quitting', () => {
  const busy = totals({ byState: { uploading: 1 }, bytesTotal: 10 });
  it('hides to the tray while uploads run, asks to quit without a tray, closes otherwise', () => {
    expect(closeAction({ quitting: false, hasTray: true, totals: busy })).toBe('hide');
    expect(closeAction({ quitting: false, hasTray: false, totals: busy })).toBe('quit');
    expect(closeAction({ quitting: true, hasTray: true, totals: busy })).toBe('close');
    expect(closeAction({ quitting: false, hasTray: true, totals: totals({ byState: { paused: 2 } }) })).toBe(
      'close',
    );
    expect(closeAction({ quitting: false, hasTray: true, totals: undefined })).toBe('close');
  });

  it('asks before quitting only when work would be interrupted', () => {
    expect(quitQuestion(busy)?.message).toBe('Quit while 1 upload is in progress?');
    expect(quitQuestion(totals({ byState: { uploading: 2, queued: 3 } }))?.message).toContain(
      '5 uploads are',
    );
    expect(quitQuestion(totals({ byState: { waiting: 2 } }))).toBeUndefined();
    expect(quitQuestion(undefined)).toBeUndefined();
  });

  it('takes files from a command line, without switches or URLs, relative to the launch folder', () => {
    const argv = [
      '/opt/TL Uploader/tl-uploader',
      '--allow-file-access',
      'clip.mp4',
      '/abs/b.mov',
      'https://x/y',
      '',
    ];
    expect(filesFromArgv(argv, { packaged: true, cwd: '/home/me' })).toEqual([
      '/home/me/clip.mp4',
      '/abs/b.mov',
    ]);
    expect(filesFromArgv(['electron', 'out/main/main.js', 'c.mp4'], { packaged: false, cwd: '/w' })).toEqual([
      '/w/c.mp4',
    ]);
  });
});

describe('trusted senders', () => {
  const ok = { fromOurWebContents: true, isMainFrame: true, frameUrl: `${APP_ENTRY_URL}#/library` };
  it('accepts only our window, its main frame, at the exact app page', () => {
    expect(refusalReason(ok, APP_ENTRY_URL)).toBeUndefined();
    expect(refusalReason({ ...ok, fromOurWebContents: false }, APP_ENTRY_URL)).toBe(
      'not from the app window',
    );
    expect(refusalReason({ ...ok, isMainFrame: false }, APP_ENTRY_URL)).toBe('from a sub-frame');
    expect(refusalReason({ ...ok, frameUrl: undefined }, APP_ENTRY_URL)).toBe('from a frame that is gone');
    for (const url of [
      'file:///index.html',
      'app://evil/index.html',
      'app://tl-uploader/other.html',
      'https://tl-uploader/index.html',
      'app://tl-uploader.evil/index.html',
    ])
      expect(refusalReason({ ...ok, frameUrl: url }, APP_ENTRY_URL), url).toMatch(/not the app page/);
  });
});

describe('app:// requests', () => {
  it('serves the renderer folder and thumbnails by id, nothing outside', () => {
    expect(resolveAppRequest('app://tl-uploader/index.html', '/r')).toEqual({
      kind: 'file',
      path: '/r/index.html',
      type: 'text/html; charset=utf-8',
      page: true,
    });
    expect(resolveAppRequest('app://tl-uploader/assets/a.js', '/r')).toMatchObject({
      path: '/r/assets/a.js',
      page: false,
    });
    expect(resolveAppRequest('app://tl-uploader/thumbnail/abc_12', '/r')).toEqual({
      kind: 'thumbnail',
      assetId: 'abc_12',
    });
    // Whatever a URL spells, nothing outside the renderer folder is named.
    for (const url of [
      'app://tl-uploader/%2e%2e/%2e%2e/etc/passwd',
      'app://tl-uploader/..%2F..%2Fsecret',
      'app://tl-uploader/a/..%2F..%2F..%2Fsecret',
    ]) {
      const r = resolveAppRequest(url, '/r');
      expect(r.kind === 'not-found' || (r.kind === 'file' && r.path.startsWith('/r/')), url).toBe(true);
    }
    expect(resolveAppRequest('app://tl-uploader/..%2F..%2Fsecret', '/r')).toEqual({ kind: 'not-found' });
    for (const url of [
      'app://other/index.html',
      'app://tl-uploader/thumbnail/..%2F..%2Fx',
      'app://tl-uploader/%E0%A4%A',
    ])
      expect(resolveAppRequest(url, '/r'), url).toEqual({ kind: 'not-found' });
  });
});

describe('the desktop page policy', () => {
  it("is the shared policy, with no local port (the Sandbox's media comes through app://)", () => {
    expect(DESKTOP_POLICY).toBe(CONTENT_SECURITY_POLICY);
    expect(DESKTOP_POLICY).not.toMatch(/127\.0\.0\.1|localhost|http:/);
    expect(DESKTOP_POLICY).toContain("script-src 'self';");
  });
});

describe("app:// relay of the Sandbox's media", () => {
  const id = '0123456789abcdef01234567';
  const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
  it("names only an asset's media files on the Sandbox", () => {
    for (const file of ['hls/master.m3u8', 'hls/init.mp4', 'hls/segment.m4s', 'source', 'thumbnail'])
      expect(resolveAppRequest(`app://tl-uploader/sandbox-media/${id}/${token}/${file}`, '/r')).toEqual({
        kind: 'sandbox-media',
        path: `/media/${id}/${token}/${file}`,
      });
    for (const rest of [
      '_emulator/reset',
      `${id}/${token}/%2e%2e%2f%2e%2e%2f_emulator%2freset`,
      `${id}/${token}/..%2F..%2F..%2F_emulator%2Freset`,
      `${id}/${token}/hls/master.m3u8/x`,
      `${id}/${token}/hls`,
      `${id.toUpperCase()}/${token}/source`,
      `${id}/short/source`,
      `${id}/${token}`,
    ])
      expect(resolveAppRequest(`app://tl-uploader/sandbox-media/${rest}`, '/r'), rest).toEqual({
        kind: 'not-found',
      });
    // Dot-segments are resolved by the URL itself: what is left is a renderer file, not the Sandbox.
    expect(
      resolveAppRequest(`app://tl-uploader/sandbox-media/${id}/${token}/../../../_emulator/reset`, '/r'),
    ).toMatchObject({ kind: 'file', path: '/r/_emulator/reset' });
  });
});

describe('thumbnail types', () => {
  it('are told by their first bytes', () => {
    expect(imageTypeOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]))).toBe('image/png');
    expect(imageTypeOf(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(imageTypeOf(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(imageTypeOf(Buffer.from('GIF89a'))).toBe('image/gif');
    expect(imageTypeOf(Buffer.from('<svg onload=alert(1)>'))).toBe('application/octet-stream');
  });
});

describe('application menu', () => {
  const roles = (packaged: boolean, platform: NodeJS.Platform) =>
    JSON.stringify(
      menuTemplate({
        platform,
        packaged,
        addFiles: () => undefined,
        addFolder: () => undefined,
        openLogFolder: () => undefined,
        openHelp: () => undefined,
      }),
    );
  it('has no developer tools or reload when packaged', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      expect(roles(true, platform)).not.toMatch(/toggleDevTools|"reload"|forceReload/i);
      expect(roles(false, platform)).toContain('toggleDevTools');
    }
    expect(roles(true, 'darwin')).toContain('appMenu');
    expect(roles(true, 'linux')).not.toContain('appMenu');
  });
});

describe('system proxy', () => {
  it('turns the system choice into proxy variables, never over the person’s own', () => {
    expect(proxyEnvironment('DIRECT', {})).toEqual({ set: {} });
    expect(proxyEnvironment('PROXY proxy.corp:3128; DIRECT', { http_proxy: '' }).set).toEqual({
      HTTPS_PROXY: 'http://proxy.corp:3128',
      HTTP_PROXY: 'http://proxy.corp:3128',
      NO_PROXY: 'localhost,127.0.0.1,::1',
      https_proxy: 'http://proxy.corp:3128',
      http_proxy: 'http://proxy.corp:3128',
      no_proxy: 'localhost,127.0.0.1,::1',
    });
    expect(proxyEnvironment('HTTPS secure.corp:443', { NO_PROXY: 'intra' }).set.NO_PROXY).toBe(
      'intra,localhost,127.0.0.1,::1',
    );
    expect(proxyEnvironment('PROXY p:1', { HTTPS_PROXY: 'http://mine:8' })).toEqual({ set: {} });
    const socks = proxyEnvironment('SOCKS5 s:1080', {});
    expect(socks.set).toEqual({});
    expect(socks.note).toContain('SOCKS');
  });
});

describe('a scope of closers', () => {
  it('runs every closer, last added first, even when one throws or hangs', async () => {
    const errors: string[] = [];
    const order: string[] = [];
    const scope = new Scope('test', (message) => errors.push(message), 200);
    scope.add('a', () => void order.push('a'));
    scope.add('b', () => {
      order.push('b');
      throw new Error('b broke');
    });
    scope.add('hang', () => new Promise<void>(() => order.push('hang')));
    scope.add('c', async () => void order.push('c'));
    await scope.close();
    expect(order).toEqual(['c', 'hang', 'b', 'a']);
    expect(errors).toEqual(['test: closing hang failed', 'test: closing b failed']);
    // Closing twice runs nothing again; a closer added late runs at once.
    await scope.close();
    scope.add('late', () => void order.push('late'));
    await Promise.resolve();
    expect(order).toEqual(['c', 'hang', 'b', 'a', 'late']);
  });
});
