/**
 * The built preload (vite.desktop.config.ts --mode preload → preload.cjs) run the way Electron
 * runs a sandboxed preload: in a fresh context with no Node globals, a `require` that knows only
 * `electron` (renderer side), `events`, `timers` and `url`, and Buffer/process/timers passed in.
 * A preload that needs anything else would fail to load in the real sandboxed window.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDesktopBundle } from '../helpers/electron-stand-in/driver.ts';

let bundle: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  bundle = await buildDesktopBundle();
});
afterAll(() => bundle?.cleanup());

const SANDBOX_MODULES = ['electron', 'events', 'timers', 'url'];

async function runPreload() {
  const code = await readFile(join(bundle.dir, 'preload', 'preload.cjs'), 'utf8');
  const exposed: Record<string, unknown> = {};
  const invoked: Array<[string, unknown]> = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const required: string[] = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        if (key in exposed) throw new Error(`Cannot bind an API on top of an existing property: ${key}`);
        exposed[key] = api;
      },
    },
    ipcRenderer: {
      invoke: async (channel: string, payload: unknown) => {
        invoked.push([channel, payload]);
        return { ok: true, value: 'from main' };
      },
      on: (channel: string, listener: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(listener);
      },
      off: (channel: string, listener: (...args: unknown[]) => void) =>
        listeners.get(channel)?.delete(listener),
    },
    webUtils: { getPathForFile: (file: { standInPath: string }) => file.standInPath },
  };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (!SANDBOX_MODULES.includes(name)) throw new Error(`module not found: ${name}`);
    if (name === 'electron') return electron;
    throw new Error(`the stand-in does not provide ${name}`);
  };
  // A context with only what V8 itself has: no require, process, Buffer or timers of Node.
  const context = vm.createContext({});
  const wrapper = vm.runInContext(
    `(function (exports, require, module, process, Buffer, global, setImmediate, clearImmediate) {${code}\n})`,
    context,
    { filename: 'preload.cjs' },
  ) as (...args: unknown[]) => void;
  const module = { exports: {} };
  const limitedProcess = { platform: process.platform, versions: process.versions, env: {} };
  wrapper(
    module.exports,
    sandboxRequire,
    module,
    limitedProcess,
    Buffer,
    context,
    setImmediate,
    clearImmediate,
  );
  return { exposed, invoked, listeners, required };
}

describe('the preload in a sandboxed renderer', () => {
  it('loads with only what a sandboxed preload has, and exposes exactly the contract door', async () => {
    const { exposed, invoked, listeners, required } = await runPreload();
    expect(required.filter((name) => name !== 'electron')).toEqual([]);
    expect(Object.keys(exposed)).toEqual(['tlUploader']);
    const api = exposed.tlUploader as {
      invoke: (name: string, payload: unknown) => Promise<unknown>;
      on: (name: string, listener: (payload: unknown) => void) => () => void;
      pathForFile: (file: unknown) => string;
    };
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on', 'pathForFile']);

    // Commands go to their contract channel; anything else never reaches IPC.
    expect(await api.invoke('settings:get', {})).toEqual({ ok: true, value: 'from main' });
    expect(await api.invoke('shell:exec', { cmd: 'rm -rf /' })).toMatchObject({
      ok: false,
      error: { code: 'unknown-command' },
    });
    expect(invoked).toEqual([['tl:command:settings:get', {}]]);

    // Events: only the contract's, and the returned function unsubscribes.
    const seen: unknown[] = [];
    const off = api.on('uploads:totals-changed', (payload) => seen.push(payload));
    api.on('not:an-event', () => seen.push('never'));
    expect([...listeners.keys()]).toEqual(['tl:event:uploads:totals-changed']);
    for (const listener of listeners.get('tl:event:uploads:totals-changed')!)
      listener({ sender: 'ipc' }, { n: 1 });
    off();
    expect(listeners.get('tl:event:uploads:totals-changed')!.size).toBe(0);
    expect(seen).toEqual([{ n: 1 }]);

    expect(api.pathForFile({ standInPath: '/home/me/clip.mp4' })).toBe('/home/me/clip.mp4');
  });
});
