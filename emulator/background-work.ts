/**
 * The Sandbox's work that runs on its own after a request was answered: processing an upload,
 * fetching a URL, repackaging a stream with ffmpeg. Closing (or a reset) must not leave any of it
 * writing into a data folder that is about to be flushed or removed: `stop()` aborts the signal
 * every task was handed, and resolves once each has ended. A task that sees its signal aborted
 * saves nothing half-done, so the next start resumes the work from the saved state.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();
  private controller = new AbortController();

  run(name: string, task: (signal: AbortSignal) => Promise<void>): void {
    const signal = this.controller.signal;
    const done: Promise<void> = task(signal)
      .catch((error: unknown) => {
        if (!signal.aborted) console.error(`emulator: ${name} failed:`, error);
      })
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Aborts what runs and waits for it to end; work started afterwards gets a fresh signal. */
  async stop(): Promise<void> {
    this.controller.abort();
    this.controller = new AbortController();
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
