/**
 * Long work on the main thread cut into slices of wall-clock time, not of a count of entries.
 *
 * Why time: several such loops run at once while a big folder is queued (a queue save, a ledger
 * save, journal appends, the hand-over), and every one of them resumed by `setImmediate` runs in
 * the same turn of the event loop. A slice of 500 entries took 1 ms on a calm machine and 20 ms on
 * a loaded one, and four of them stacked into one turn with a garbage collection made stalls of
 * 100-190 ms (issue 18). A slice that ends after SLICE_MS of wall time, whatever it managed,
 * keeps each loop's share of a turn small on any machine: when the thread is descheduled, the
 * time passes too, and the slice ends sooner.
 */

/** Wall time one loop may hold the event loop before it yields. */
export const SLICE_MS = 4;

export interface TimeSlicer {
  /** Whether this slice's time is up (cheap: one clock read). */
  due(): boolean;
  /** Lets the event loop run (timers, I/O, other loops' slices), then starts a new slice. */
  yield(): Promise<void>;
}

export function timeSlicer(sliceMs = SLICE_MS): TimeSlicer {
  let started = performance.now();
  return {
    due: () => performance.now() - started >= sliceMs,
    yield: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      started = performance.now();
    },
  };
}
