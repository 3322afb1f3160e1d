import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import {
  commandNames,
  InvalidRequestError,
  type CommandName,
  type CommandResult,
} from '../shared/contract.ts';
import type { Logger } from '../core/ports.ts';
import { frontEndEvents } from '../core/front-end-events.ts';
import type { UploaderCore } from '../core/uploader-core.ts';
import { commandChannel, eventChannel } from '../shared/ipc-channels.ts';
import { refusalReason } from './trusted-sender.ts';

/**
 * One `ipcMain.handle` per contract command, derived from the contract, for the app's lifetime.
 * Each call must come from the current window's main frame at the app's exact page
 * (trusted-sender.ts); refusals are logged. The payload is parsed with the command's schema by the
 * core; errors go back as typed results, never as stack traces. Commands that arrive while the
 * core is still loading wait for it (the window shows before the core is ready).
 */
export function registerCommands(options: {
  core: () => Promise<UploaderCore>;
  window: () => BrowserWindow | undefined;
  appEntryUrl: string;
  logger: Logger;
}): () => void {
  const refusal = (event: IpcMainInvokeEvent) => {
    const window = options.window();
    const ours = window && !window.isDestroyed() ? window.webContents : undefined;
    let frameUrl: string | undefined;
    try {
      frameUrl = event.senderFrame?.url;
    } catch {
      frameUrl = undefined; // the frame navigated away or was destroyed: refused below
    }
    return refusalReason(
      {
        fromOurWebContents: ours !== undefined && event.sender === ours,
        isMainFrame: ours !== undefined && event.senderFrame === ours.mainFrame,
        frameUrl,
      },
      options.appEntryUrl,
    );
  };

  for (const name of commandNames) {
    ipcMain.handle(
      commandChannel(name),
      async (event, payload: unknown): Promise<CommandResult<CommandName>> => {
        const why = refusal(event);
        if (why) {
          options.logger.warn(`IPC refused: ${name} ${why}`);
          return { ok: false, error: { code: 'not-allowed', message: 'Refused: not from the app window.' } };
        }
        try {
          const core = await options.core();
          return { ok: true, value: await core.invoke(name, payload) };
        } catch (error) {
          const invalid = error instanceof InvalidRequestError;
          if (!invalid) options.logger.warn(`Command ${name} failed`, { error: (error as Error).message });
          return {
            ok: false,
            error: { code: invalid ? 'invalid-request' : 'failed', message: (error as Error).message },
          };
        }
      },
    );
  }
  return () => {
    for (const name of commandNames) ipcMain.removeHandler(commandChannel(name));
  };
}

/**
 * The core's events, sent to one window for as long as it lives: the returned function runs on
 * the window's `closed` event, so nothing is ever sent to a destroyed window.
 */
export function forwardEvents(core: UploaderCore, window: BrowserWindow): () => void {
  // Held once: a destroyed window throws on every use, even on reading its webContents.
  const contents = window.webContents;
  // Item events in bursts go as one `uploads:changed` (front-end-events.ts).
  const offs = [
    frontEndEvents(core, (name, payload) => {
      if (!contents.isDestroyed()) contents.send(eventChannel(name), payload);
    }),
  ];
  // Damage found in the data folder at start-up (core.dataProblems()) is said again each time
  // the page (re)loads: the core's own replay may reach the window before its page listens.
  const replayDataProblems = () => {
    if (contents.isDestroyed()) return;
    for (const message of core.dataProblems())
      contents.send(eventChannel('app:notice'), { level: 'warning', message, lasting: true });
  };
  contents.on('did-finish-load', replayDataProblems);
  offs.push(() => contents.off('did-finish-load', replayDataProblems));
  return () => offs.forEach((off) => off());
}
