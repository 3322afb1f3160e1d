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

  /** Every marked path, a parent before what is under it; none is marked afterwards. */
  take(): string[][] {
    const paths: string[][] = [];
    const walk = (level: Level, prefix: string[]) => {
      for (const [key, next] of level) {
        const path = [...prefix, key];
        if (next === LEAF) paths.push(path);
        else {
          if (this.selfMarked.has(next)) paths.push(path);
          walk(next, path);
        }
      }
    };
    walk(this.root, []);
    this.root = new Map();
    this.selfMarked = new Set();
    this.size = 0;
    return paths;
  }
}
