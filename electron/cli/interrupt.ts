/** Resolves on Ctrl-C or SIGTERM: the long-running commands (watch, serve) then close cleanly. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolveWait) => {
    const done = () => resolveWait();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
