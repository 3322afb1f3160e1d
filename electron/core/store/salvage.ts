/**
 * What can still be read from a damaged JSON document: its longest readable beginning. A file cut
 * short (a full disk, the machine losing power mid-write, a bad copy) keeps every entry written
 * before the cut. An entry that was itself cut is left out whole: a queue item missing its second
 * half could look like one that never got an asset, and be uploaded twice. Which containers may
 * be kept cut short (the maps of entries, never an entry) is the caller's `partialOk`.
 *
 * Objects are built with null prototypes, so a key such as `__proto__` or `constructor` read from
 * the file is only a key.
 */

/** Deeper nesting than this is not a document of ours (random bytes full of `[`): stop there. */
const MAX_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The top-level object as far as it can be read, or undefined when the text does not even begin
 * as an object. `partialOk(path)`: whether the container at this path of keys may be kept though
 * it was cut short (the document itself always is).
 */
export function salvageJson(
  text: string,
  partialOk: (path: readonly string[]) => boolean,
): Record<string, unknown> | undefined {
  const parser = new PrefixParser(text, partialOk);
  parser.skipSpace();
  if (text[parser.at] !== '{') return undefined;
  return parser.value([]) as Record<string, unknown>;
}

class PrefixParser {
  at = 0;
  /** Set once the text stops being readable: every container on the way up stops there. */
  cut = false;

  constructor(
    private readonly text: string,
    private readonly partialOk: (path: readonly string[]) => boolean,
  ) {}

  skipSpace(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }

  /** A value, or undefined when it was cut (then `cut` is set). */
  value(path: string[]): unknown {
    if (path.length > MAX_DEPTH) return this.stop();
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') return this.string();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const)
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    // A number that runs to the very end may itself be cut (12 of 1234): not kept.
    if (!match || NUMBER.lastIndex >= this.text.length) return this.stop();
    this.at = NUMBER.lastIndex;
    return Number(match[0]);
  }

  private object(path: string[]): unknown {
    const out = Object.create(null) as Record<string, unknown>;
    this.at++; // {
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === '}') {
        this.at++;
        return out;
      }
      const key = this.string();
      if (key === undefined) break;
      this.skipSpace();
      if (this.text[this.at] !== ':') {
        this.stop();
        break;
      }
      this.at++;
      const value = this.value([...path, key]);
      if (this.cut) {
        if (value !== undefined && this.partialOk([...path, key])) out[key] = value;
        break;
      }
      out[key] = value;
      if (!this.separator('}')) break;
    }
    return path.length === 0 || this.partialOk(path) ? out : undefined;
  }

  private array(path: string[]): unknown {
    const out: unknown[] = [];
    this.at++; // [
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === ']') {
        this.at++;
        return out;
      }
      const value = this.value([...path, String(out.length)]);
      if (this.cut) {
        if (value !== undefined && this.partialOk([...path, String(out.length)])) out.push(value);
        break;
      }
      out.push(value);
      if (!this.separator(']')) break;
    }
    return this.partialOk(path) ? out : undefined;
  }

  /** After an entry: a comma (true), the container's end (true, not consumed), or a cut. */
  private separator(end: string): boolean {
    this.skipSpace();
    const next = this.text[this.at];
    if (next === ',') {
      this.at++;
      return true;
    }
    if (next === end) return true;
    this.stop();
    return false;
  }

  private string(): string | undefined {
    if (this.text[this.at] !== '"') return this.stop();
    let end = this.at + 1;
    for (;;) {
      const quote = this.text.indexOf('"', end);
      if (quote < 0) return this.stop();
      let backslashes = 0;
      for (let i = quote - 1; this.text[i] === '\\'; i--) backslashes++;
      end = quote + 1;
      if (backslashes % 2 === 0) break;
    }
    try {
      const value = JSON.parse(this.text.slice(this.at, end)) as string;
      this.at = end;
      return value;
    } catch {
      return this.stop(); // a string that does not parse ends what can be salvaged (cut)
    }
  }

  private stop(): undefined {
    this.cut = true;
    return undefined;
  }
}
