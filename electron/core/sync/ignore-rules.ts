/**
 * Glob patterns as people write them in sync tools: `*` and `?` within a name, `**` across
 * folders. A pattern without "/" is matched against the file (or folder) name anywhere in the tree.
 */
export class IgnoreRules {
  private readonly nameRules: RegExp[] = [];
  private readonly pathRules: RegExp[] = [];

  constructor(patterns: readonly string[]) {
    for (const raw of patterns) {
      const pattern = raw.trim();
      if (!pattern) continue;
      (pattern.includes('/') ? this.pathRules : this.nameRules).push(
        globToRegExp(pattern.replace(/^\//, '')),
      );
    }
  }

  /** The name-level rules, as regular expression sources (for a watcher in another thread). */
  nameSources(): string[] {
    return this.nameRules.map((r) => r.source);
  }

  /** The path-level rules, likewise (for the scan thread). */
  pathSources(): string[] {
    return this.pathRules.map((r) => r.source);
  }

  /** `relativePath` uses "/" separators. */
  ignores(relativePath: string): boolean {
    const parts = relativePath.split('/');
    if (parts.some((part) => this.nameRules.some((r) => r.test(part)))) return true;
    return this.pathRules.some((r) => r.test(relativePath));
  }
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // Runs of wildcards match what one does: `**/**/x` or `*` next to `**` made a regular
  // expression whose backtracking took 34 s on one 60-character path, and a scan runs it on each.
  let previous;
  do {
    previous = source;
    source = source
      .replaceAll('.*.*', '.*')
      .replaceAll('.*[^/]*', '.*')
      .replaceAll('[^/]*.*', '.*')
      .replaceAll('[^/]*[^/]*', '[^/]*');
  } while (source !== previous);
  // `**` spans any character, a newline in a name too (`.` does not match one): written without
  // flags, since the source alone crosses to the scan and watcher threads, compiled there with 'i'.
  return new RegExp(`^${source.replaceAll('.*', '[^]*')}$`, 'i');
}
