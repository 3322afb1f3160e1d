/**
 * The renderer's only door: one function per contract command, one subscribe per event, and the
 * path of a dropped file. Names come from the contract; nothing else is exposed.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
// Names only, from a module without zod: the sandboxed preload stays small (a lint rule keeps it so).
import { isCommandName, isEventName, type CommandName, type EventName } from '../shared/contract-names.ts';
import { commandChannel, eventChannel } from '../shared/ipc-channels.ts';
import type { PreloadApi } from '../shared/preload-api.ts';

const api: PreloadApi = {
  invoke: (name: CommandName, payload: unknown) => {
    if (!isCommandName(name))
      return Promise.resolve({ ok: false, error: { code: 'unknown-command', message: name } });
    return ipcRenderer.invoke(commandChannel(name), payload);
  },
  on: (name: EventName, listener: (payload: unknown) => void) => {
    if (!isEventName(name)) return () => undefined;
    const handler = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(eventChannel(name), handler);
    return () => ipcRenderer.off(eventChannel(name), handler);
  },
  pathForFile: (file: File) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('tlUploader', api);
