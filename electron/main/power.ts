import { powerMonitor, powerSaveBlocker } from 'electron';
import type { Logger } from '../core/ports.ts';
import type { UploaderCore } from '../core/uploader-core.ts';
import { isBusy } from './tray-state.ts';

/**
 * Sleep and wake: on suspend the queue stops sending (sockets die in sleep anyway); on resume it
 * continues, folders are rescanned (watchers miss events while asleep) and the library syncs.
 * While items are in an active state (tray-state.ts `isBusy`, never "bytes left": paused or
 * waiting items must let the machine sleep) the system is kept from suspending.
 */
export function attachPower(core: UploaderCore, logger: Logger): () => void {
  let asleep = false;
  let blocker: number | undefined;
  const keepAwake = (busy: boolean) => {
    if (busy && blocker === undefined) blocker = powerSaveBlocker.start('prevent-app-suspension');
    if (!busy && blocker !== undefined) {
      powerSaveBlocker.stop(blocker);
      blocker = undefined;
    }
  };
  const onSuspend = () => {
    logger.info('The system is going to sleep: uploads stop until it wakes.');
    asleep = true;
    // Transient: nothing is marked paused or saved, and a person's own pause stays as it was.
    core.queue.pauseForSleep();
    keepAwake(false);
  };
  const onResume = () => {
    logger.info('The system woke up: uploads continue, folders are rescanned.');
    asleep = false;
    core.queue.resumeAfterSleep();
    keepAwake(isBusy(core.queue.totals()));
    core.folders.rescan().catch((error: unknown) => logger.warn('Rescan after sleep failed', { error }));
    // The library's own state reports a failed sync to the person; the log keeps why.
    core.library
      .syncNow()
      .catch((error: unknown) => logger.info('Library sync after sleep failed', { error }));
  };
  powerMonitor.on('suspend', onSuspend);
  powerMonitor.on('resume', onResume);
  const offTotals = core.on('uploads:totals-changed', (t) => keepAwake(!asleep && isBusy(t)));
  return () => {
    powerMonitor.off('suspend', onSuspend);
    powerMonitor.off('resume', onResume);
    offTotals();
    keepAwake(false);
  };
}
