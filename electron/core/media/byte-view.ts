/**
 * The first bytes of a file together with the file's real size: what every structural check in
 * type detection reads. Readers return -1 past the bytes at hand, so a check on a short header
 * fails instead of throwing or reading garbage (every size and count compared against it is ≥ 0).
 */
export class ByteView {
  constructor(
    readonly bytes: Buffer,
    /** The whole file's size (the bytes may be only its beginning). */
    readonly size: number,
  ) {}

  get length(): number {
    return this.bytes.length;
  }

  /** Whether `end` bytes are at hand. */
  has(end: number): boolean {
    return end <= this.bytes.length;
  }

  u8(at: number): number {
    return at >= 0 && at < this.bytes.length ? this.bytes[at]! : -1;
  }

  be16(at: number): number {
    return this.has(at + 2) && at >= 0 ? this.bytes.readUInt16BE(at) : -1;
  }

  le16(at: number): number {
    return this.has(at + 2) && at >= 0 ? this.bytes.readUInt16LE(at) : -1;
  }

  be24(at: number): number {
    return this.has(at + 3) && at >= 0 ? this.bytes.readUIntBE(at, 3) : -1;
  }

  be32(at: number): number {
    return this.has(at + 4) && at >= 0 ? this.bytes.readUInt32BE(at) : -1;
  }

  le32(at: number): number {
    return this.has(at + 4) && at >= 0 ? this.bytes.readUInt32LE(at) : -1;
  }

  /** Signed little-endian 32-bit (BMP dimensions); 0 past the bytes at hand. */
  le32s(at: number): number {
    return this.has(at + 4) && at >= 0 ? this.bytes.readInt32LE(at) : 0;
  }

  ascii(start: number, end: number): string {
    return this.bytes.toString('latin1', start, Math.min(end, this.bytes.length));
  }

  /** Whether the bytes at `at` are exactly `expected` (a latin1 string or byte values). */
  is(at: number, expected: string | readonly number[]): boolean {
    const want = typeof expected === 'string' ? Buffer.from(expected, 'latin1') : Buffer.from(expected);
    return this.has(at + want.length) && this.bytes.subarray(at, at + want.length).equals(want);
  }

  /** Whether the `length` bytes at `at` are printable ASCII (box types, chunk ids, brands). */
  printable(at: number, length: number): boolean {
    if (!this.has(at + length)) return false;
    for (let i = at; i < at + length; i++) if (this.bytes[i]! < 0x20 || this.bytes[i]! > 0x7e) return false;
    return true;
  }
}
