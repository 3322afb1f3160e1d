/** Waits on a condition (never on a guessed time), polling every 25 ms; fails naming what it waited for. */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What `get` answers once `done` holds for it (a status read until it settles), waited for by until(). */
export async function untilValue<T>(
  what: string,
  get: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const found = await until(
    what,
    async () => {
      const value = await get();
      return done(value) ? { value } : undefined;
    },
    timeoutMs,
  );
  return found.value;
}
