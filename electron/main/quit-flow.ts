import { app } from 'electron';
import type { Logger } from '../core/ports.ts';
import type { QueueTotals } from '../shared/queue-types.ts';
import { quitQuestion } from './app-policy.ts';
import { Scope } from './scope.ts';

export interface QuitFlow {
  /** True from the moment a quit is under way (windows then close instead of hiding). */
  readonly quitting: boolean;
  /** Quits without asking: the session ends, the machine shuts down. */
  forceQuit(reason: string): void;
}

/**
 * The one ordered shutdown every way out goes through (window close, tray Quit, Cmd+Q, logout,
 * session end, power off — all of them end in `app.quit()`):
 * `before-quit` asks first when uploads would be interrupted; `will-quit` is held back until
 * every closer of the app scope has run (each even if another failed, the core last: its queue
 * and documents are saved and the data folder's lock released), then the quit goes on.
 */
export function installQuitFlow(options: {
  appScope: Scope;
  closeCore: () => Promise<void>;
  totals: () => QueueTotals | undefined;
  ask: (question: { message: string; detail: string }) => Promise<boolean>;
  logger: Logger;
}): QuitFlow {
  let confirmed = false;
  let asking = false;
  let quitting = false;
  let phase: 'running' | 'closing' | 'closed' = 'running';

  app.on('before-quit', (event) => {
    if (phase !== 'running') return;
    const question = confirmed ? undefined : quitQuestion(options.totals());
    if (question) {
      event.preventDefault();
      if (asking) return;
      asking = true;
      options
        .ask(question)
        .then((yes) => {
          if (!yes) return options.logger.info('Quit canceled: uploads go on.');
          confirmed = true;
          app.quit();
        })
        .catch((error: unknown) => options.logger.error('The quit question failed', { error }))
        .finally(() => (asking = false));
      return;
    }
    quitting = true;
  });

  app.on('will-quit', (event) => {
    if (phase === 'closed') return;
    event.preventDefault();
    if (phase === 'closing') return;
    phase = 'closing';
    quitting = true;
    void shutdown().finally(() => {
      phase = 'closed';
      app.quit();
    });
  });

  async function shutdown(): Promise<void> {
    options.logger.info('Shutting down');
    const surfaces = await options.appScope.close();
    // The core last, on its own clock: saving a large queue may take a while, but a core that
    // never finishes closing must not keep the app from quitting (its lock is then taken over
    // at the next start, as after a crash).
    const coreScope = new Scope(
      'shutdown',
      (message, error) => options.logger.error(message, { error }),
      60_000,
    );
    coreScope.add('the core', options.closeCore);
    const core = await coreScope.close();
    if (surfaces && core) options.logger.info('Shut down cleanly');
  }

  return {
    get quitting() {
      return quitting;
    },
    forceQuit(reason) {
      options.logger.info(`Quitting: ${reason}`);
      confirmed = true;
      app.quit();
    },
  };
}
