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
  let pausedForSleep = false;
  let blocker: number | undefined;
  const onSuspend = () => {
    logger.info('The system is going to sleep: uploads pause.');
    // TODO(H4): use the queue's transient sleep pause once upload-queue.ts has it; pauseAll is
    // the person's own pause, so only take it when they had not paused already.
    if (!core.queue.totals().paused) {
      pausedForSleep = true;
      core.queue.pauseAll();
    }
  };
  const onResume = () => {
    logger.info('The system woke up: uploads continue, folders are rescanned.');
    if (pausedForSleep) core.queue.resumeAll();
    pausedForSleep = false;
    core.folders.rescan().catch((error: unknown) => logger.warn('Rescan after sleep failed', { error }));
    // The library's own state reports a failed sync to the person; the log keeps why.
    core.library
      .syncNow()
      .catch((error: unknown) => logger.info('Library sync after sleep failed', { error }));
  };
  powerMonitor.on('suspend', onSuspend);
  powerMonitor.on('resume', onResume);
  const offTotals = core.on('uploads:totals-changed', (t) => {
    const busy = isBusy(t);
    if (busy && blocker === undefined) blocker = powerSaveBlocker.start('prevent-app-suspension');
    if (!busy && blocker !== undefined) {
      powerSaveBlocker.stop(blocker);
      blocker = undefined;
    }
  });
  return () => {
    powerMonitor.off('suspend', onSuspend);
    powerMonitor.off('resume', onResume);
    offTotals();
    if (blocker !== undefined) powerSaveBlocker.stop(blocker);
    blocker = undefined;
  };
}
