import { powerMonitor, powerSaveBlocker } from 'electron';
import type { UploaderCore } from '../core/uploader-core.ts';

/**
 * Sleep and wake: on suspend the queue is paused (sockets die in sleep anyway); on resume it
 * continues, folders are rescanned (watchers miss events while asleep) and the library syncs.
 * Optionally keeps the system awake while uploads run.
 */
export function attachPower(
  core: UploaderCore,
  options: { preventSleepWhileUploading: boolean },
): () => void {
  let pausedForSleep = false;
  let blocker: number | undefined;
  const onSuspend = () => {
    if (!core.queue.totals().paused) {
      pausedForSleep = true;
      core.queue.pauseAll();
    }
  };
  const onResume = () => {
    if (pausedForSleep) core.queue.resumeAll();
    pausedForSleep = false;
    void core.folders.rescan();
    void core.library.syncNow().catch(() => undefined);
  };
  powerMonitor.on('suspend', onSuspend);
  powerMonitor.on('resume', onResume);
  const offTotals = core.on('uploads:totals-changed', (t) => {
    const busy = options.preventSleepWhileUploading && !t.paused && t.bytesDone < t.bytesTotal;
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
  };
}
