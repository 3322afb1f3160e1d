import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { commandNames, eventNames, InvalidRequestError, type CommandResult } from '../shared/contract.ts';
import type { UploaderCore } from '../core/uploader-core.ts';
import { commandChannel, eventChannel } from '../shared/ipc-channels.ts';

/**
 * One `ipcMain.handle` per contract command, derived from the contract. Each call is checked:
 * it must come from our window's main frame, at our own page; the payload is parsed with the
 * command's schema by the core; errors go back as typed results, never as stack traces.
 */
export function registerContract(core: UploaderCore, window: BrowserWindow, appUrl: string): () => void {
  const fromOurWindow = (event: IpcMainInvokeEvent) =>
    event.sender === window.webContents &&
    event.senderFrame === window.webContents.mainFrame &&
    (event.senderFrame?.url ?? '').startsWith(appUrl);

  for (const name of commandNames) {
    ipcMain.handle(
      commandChannel(name),
      async (event, payload: unknown): Promise<CommandResult<typeof name>> => {
        if (!fromOurWindow(event))
          return { ok: false, error: { code: 'not-allowed', message: 'Refused: not from the app window.' } };
        try {
          return { ok: true, value: await core.invoke(name, payload) };
        } catch (error) {
          return {
            ok: false,
            error: {
              code: error instanceof InvalidRequestError ? 'invalid-request' : 'failed',
              message: (error as Error).message,
            },
          };
        }
      },
    );
  }
  const unsubscribe = eventNames.map((name) =>
    core.on(name, (payload) => {
      if (!window.isDestroyed()) window.webContents.send(eventChannel(name), payload);
    }),
  );
  return () => {
    for (const name of commandNames) ipcMain.removeHandler(commandChannel(name));
    unsubscribe.forEach((u) => u());
  };
}
