/**
 * One owner's closers (listeners, timers, tray, handlers), run together: every closer runs even
 * when one throws, in reverse order of adding (what was set up last is torn down first), and a
 * failure is reported, never swallowed. A window's scope is closed by its `closed` event; the
 * app's by the ordered shutdown.
 */
export class Scope {
  private closers: Array<{ name: string; close: () => void | Promise<void> }> = [];
  private closed = false;

  constructor(
    readonly name: string,
    private readonly onError: (message: string, error: unknown) => void,
    /** A closer that takes longer is reported and left behind, so quitting cannot hang. */
    private readonly timeoutMs = 30_000,
  ) {}

  /** Adds a closer; on a scope that is already closed it runs at once (a late setup). */
  add(name: string, close: () => void | Promise<void>): void {
    if (this.closed) {
      void this.runOne({ name, close });
      return;
    }
    this.closers.push({ name, close });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs every closer; resolves with whether all of them finished without failing. */
  async close(): Promise<boolean> {
    if (this.closed) return true;
    this.closed = true;
    const closers = this.closers.reverse();
    this.closers = [];
    let clean = true;
    for (const closer of closers) clean = (await this.runOne(closer)) && clean;
    return clean;
  }

  private async runOne(closer: { name: string; close: () => void | Promise<void> }): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`it did not finish within ${Math.round(this.timeoutMs / 1000)} s`)),
        this.timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.resolve().then(closer.close), timeout]);
      return true;
    } catch (error) {
      this.onError(`${this.name}: closing ${closer.name} failed`, error);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
