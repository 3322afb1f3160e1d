// What the two watcher workers (native-dir-worker.mjs, chokidar-worker.mjs) send to the main
// thread, written once: change events coalesced per path and posted in batches, and errors.
// Plain JavaScript, like them, so that it loads in any runtime without a TS loader; the desktop
// build ships it next to them (vite.desktop.config.ts, electron-builder.yml). The main thread's
// side is chokidar-folder-watcher.ts.

/**
 * Events are coalesced per path and sent in batches: a file being written fires an event per
 * write, and one message per event would flood the main thread.
 */
const BATCH_MS = 100;

/** Collects events for `port` (the worker's parentPort); `stop` drops what is not sent yet. */
export function eventBatcher(port) {
  let pending = new Map();
  let flushTimer;
  const flush = () => {
    flushTimer = undefined;
    if (pending.size === 0) return;
    port.postMessage({ type: 'events', events: [...pending] });
    pending = new Map();
  };
  return {
    /** Something of `type` happened at `path`. */
    report(type, path) {
      // An unlink after a touch, or the reverse, is settled by the main side's stat: keep the last.
      pending.delete(path);
      pending.set(path, type);
      flushTimer ??= setTimeout(flush, BATCH_MS);
    },
    stop() {
      clearTimeout(flushTimer);
    },
  };
}

/** Tells the main thread of a watch error (at `path` when the error names none). */
export const postError = (port, error, path) =>
  port.postMessage({ type: 'error', code: error.code, path: error.path ?? path, message: error.message });
