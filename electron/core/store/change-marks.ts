/** A marked path's end in the tree of marks. */
const LEAF = true;

type Level = Map<string, Level | typeof LEAF>;

/**
 * The paths of a document marked changed since its last write, kept as a tree of their keys: a
 * first scan marks 100,000 ledger entries and queue items, and a string key made of each path
 * (plus its array) lived until the next write, long enough for the collector to move it to the
 * old generation: ~25 MB of a scan's peak memory. Here a mark is one map entry under its parent,
 * keyed by strings the document already holds; the paths are made only when they are written.
 */
export class ChangeMarks {
  private root: Level = new Map();
  /** Inner nodes marked themselves too (a value and, separately, some values under it). */
  private selfMarked = new Set<Level>();
  /** Paths marked, each counted once. */
  size = 0;

  /** Marks `path` (at least one key). Marking it again changes nothing. */
  mark(path: readonly string[]): void {
    let level = this.root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const found = level.get(key);
      if (i === path.length - 1) {
        if (found === undefined) {
          level.set(key, LEAF);
          this.size++;
        } else if (found !== LEAF && !this.selfMarked.has(found)) {
          this.selfMarked.add(found);
          this.size++;
        }
        return;
      }
      if (found === undefined || found === LEAF) {
        const next: Level = new Map();
        level.set(key, next);
        if (found === LEAF) this.selfMarked.add(next); // marked itself before: it still is
        level = next;
      } else level = found;
    }
  }

  /**
   * Every marked path, what is under a value before the value itself (its line, written last,
   * holds all of it as it is then, a removal included), as they are iterated (each path's array
   * made then, not all at once: they would live as long as the write of them, long enough to be
   * moved to the old generation); none is marked afterwards.
   */
  take(): { count: number; paths: Iterable<string[]> } {
    const root = this.root;
    const selfMarked = this.selfMarked;
    const count = this.size;
    this.root = new Map();
    this.selfMarked = new Set();
    this.size = 0;
    function* walk(level: Level, prefix: string[]): Generator<string[]> {
      for (const [key, next] of level) {
        const path = [...prefix, key];
        if (next === LEAF) yield path;
        else {
          yield* walk(next, path);
          if (selfMarked.has(next)) yield path;
        }
      }
    }
    return { count, paths: walk(root, []) };
  }
}
