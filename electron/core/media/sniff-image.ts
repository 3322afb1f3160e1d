import type { ByteView } from './byte-view.ts';
import type { DetectedType } from './detect-type.ts';

/**
 * Still images by structure (PNG, JPEG/JFIF/Exif, GIF87a/89a, BMP, TIFF); WebP is in the RIFF
 * family and HEIC/AVIF in the ISO base media one (sniff-containers.ts).
 */

export function sniffPng(h: ByteView): DetectedType | undefined {
  // Signature, then IHDR first: length 13, size > 0, a valid bit depth and colour type pair.
  if (!h.is(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return undefined;
  if (h.be32(8) !== 13 || !h.is(12, 'IHDR') || h.size < 8 + 25 + 12) return undefined;
  const width = h.be32(16);
  const height = h.be32(20);
  const depth = h.u8(24);
  const colour = h.u8(25);
  const depths: Record<number, number[]> = {
    0: [1, 2, 4, 8, 16],
    2: [8, 16],
    3: [1, 2, 4, 8],
    4: [8, 16],
    6: [8, 16],
  };
  const ok =
    width > 0 &&
    height > 0 &&
    width < 2 ** 31 &&
    height < 2 ** 31 &&
    (depths[colour]?.includes(depth) ?? false) &&
    h.u8(26) === 0 &&
    h.u8(27) === 0 &&
    h.u8(28) <= 1;
  return ok ? { kind: 'image', mime: 'image/png' } : undefined;
}

/** JPEG markers that may follow SOI before the scan: SOFn, DHT, DQT, DRI, APPn, COM, DAC, DNL, EXP. */
function segmentMarker(marker: number): boolean {
  return (
    (marker >= 0xc0 && marker <= 0xcf) ||
    marker === 0xdb ||
    marker === 0xdd ||
    (marker >= 0xe0 && marker <= 0xfe)
  );
}

export function sniffJpeg(h: ByteView): DetectedType | undefined {
  if (!h.is(0, [0xff, 0xd8, 0xff])) return undefined;
  // Walk the segments in reach: each is FF, a marker, a length ≥ 2; the scan (SOS) ends the walk.
  let at = 2;
  let segments = 0;
  while (h.has(at + 4)) {
    if (h.u8(at) !== 0xff) return undefined;
    let marker = h.u8(at + 1);
    while (marker === 0xff && h.has(at + 4)) marker = h.u8(++at + 1); // fill bytes
    if (marker === 0xda) return segments > 0 ? { kind: 'image', mime: 'image/jpeg' } : undefined;
    const length = h.be16(at + 2);
    if (!segmentMarker(marker) || length < 2 || at + 2 + length > h.size) return undefined;
    segments++;
    at += 2 + length;
  }
  return segments > 0 ? { kind: 'image', mime: 'image/jpeg' } : undefined;
}

export function sniffGif(h: ByteView): DetectedType | undefined {
  if (!h.is(0, 'GIF87a') && !h.is(0, 'GIF89a')) return undefined;
  const packed = h.u8(10);
  // The global colour table, if any, then the first block: an extension (with a known label),
  // an image descriptor (with a valid LZW code size when no local table) or the trailer.
  const at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  if (at >= h.size) return undefined;
  if (!h.has(at + 2)) return { kind: 'image', mime: 'image/gif' }; // a colour table fills the bytes read
  const block = h.u8(at);
  let ok = false;
  if (block === 0x21) {
    const label = h.u8(at + 1);
    ok = label === 0xf9 ? h.u8(at + 2) === 4 || !h.has(at + 3) : [0xfe, 0xff, 0x01].includes(label);
  } else if (block === 0x2c) {
    const local = h.u8(at + 9);
    const codeSize = h.u8(at + 10);
    ok = !h.has(at + 11) || (local & 0x80) !== 0 || (codeSize >= 2 && codeSize <= 12);
  }
  return ok ? { kind: 'image', mime: 'image/gif' } : undefined;
}

const BMP_HEADERS = new Set([12, 16, 40, 52, 56, 64, 108, 124]);
const BMP_DEPTHS = new Set([1, 2, 4, 8, 16, 24, 32, 64]);

export function sniffBmp(h: ByteView): DetectedType | undefined {
  if (!h.is(0, 'BM') || !h.has(30)) return undefined;
  const declared = h.le32(2);
  const dataAt = h.le32(10);
  const dib = h.le32(14);
  if (!BMP_HEADERS.has(dib) || dataAt < 14 + dib || dataAt >= h.size) return undefined;
  // The size field: the file's size, or (some writers) 0, or less with trailing bytes after.
  if (declared !== 0 && !(declared > dataAt && declared <= h.size)) return undefined;
  if (dib === 12) {
    // OS/2 1.x core header: 16-bit sizes.
    const ok = h.le16(18) > 0 && h.le16(20) > 0 && h.le16(22) === 1 && [1, 4, 8, 24].includes(h.le16(24));
    return ok ? { kind: 'image', mime: 'image/bmp' } : undefined;
  }
  const width = h.le32s(18);
  const height = h.le32s(22);
  const compression = dib >= 40 ? h.le32(30) : 0;
  const ok =
    width > 0 &&
    height !== 0 &&
    h.le16(26) === 1 &&
    BMP_DEPTHS.has(h.le16(28)) &&
    (compression <= 6 || (compression >= 11 && compression <= 13));
  return ok ? { kind: 'image', mime: 'image/bmp' } : undefined;
}

export function sniffTiff(h: ByteView): DetectedType | undefined {
  const little = h.is(0, 'II*\0');
  if (!little && !h.is(0, 'MM\0*')) return undefined;
  const u16 = (at: number) => (little ? h.le16(at) : h.be16(at));
  const u32 = (at: number) => (little ? h.le32(at) : h.be32(at));
  const ifd = u32(4);
  if (ifd < 8 || ifd + 2 > h.size) return undefined;
  if (!h.has(ifd + 2)) return { kind: 'image', mime: 'image/tiff' }; // the directory lies past what was read
  const count = u16(ifd);
  if (count < 1 || count > 4096 || ifd + 2 + count * 12 > h.size) return undefined;
  // Entries in reach: ascending tags, a known field type (1–13, 16–18 BigTIFF's own).
  let previous = -1;
  for (let i = 0; i < count && h.has(ifd + 2 + i * 12 + 4); i++) {
    const tag = u16(ifd + 2 + i * 12);
    const type = u16(ifd + 2 + i * 12 + 2);
    if (tag <= previous || type < 1 || type > 18 || (type > 13 && type < 16)) return undefined;
    previous = tag;
  }
  return { kind: 'image', mime: 'image/tiff' };
}
