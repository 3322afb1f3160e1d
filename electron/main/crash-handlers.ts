import { app } from 'electron';
import type { Logger } from '../core/ports.ts';

/**
 * Nothing fails unseen: uncaught exceptions and unhandled rejections in main, a renderer that
 * crashed or was killed, a GPU or utility process lost — all go to the log. A crashed page is
 * reloaded (the core and its uploads never stopped), a few times at most so a page that crashes
 * on load does not loop.
 */
export function installCrashHandlers(logger: Logger): void {
  process.on('uncaughtException', (error, origin) =>
    logger.error(`Uncaught exception (${origin})`, { error }),
  );
  process.on('unhandledRejection', (reason) => logger.error('Unhandled promise rejection', { reason }));
  let reloads = 0;
  app.on('render-process-gone', (_event, webContents, details) => {
    logger.error('The window’s page stopped', { reason: details.reason, exitCode: details.exitCode });
    if (details.reason === 'clean-exit' || webContents.isDestroyed() || reloads >= 3) return;
    reloads++;
    webContents.reload();
  });
  app.on('child-process-gone', (_event, details) => {
    const level = details.reason === 'clean-exit' ? 'info' : 'error';
    logger[level](`A ${details.type} process stopped`, { reason: details.reason, name: details.name });
  });
}
