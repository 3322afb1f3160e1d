import type { ByteView } from './byte-view.ts';
import type { DetectedType } from './detect-type.ts';

/**
 * Video containers (and the RIFF family, WebP included), each recognised by the structure its
 * first bytes imply, not by a magic number alone: a text file that happens to start with "G",
 * "RIFF" or four bytes before "ftyp" must not pass. Written from the format specifications
 * (ISO/IEC 14496-12, QuickTime File Format, EBML RFC 8794, RIFF/WAVE, AVI, WebP container,
 * FLV 10, ISO/IEC 13818-1 and -2), independently of the emulator's own detector.
 */

// ---- ISO base media (MP4, MOV, M4A, 3GP, HEIC, AVIF) ----

const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ']);
/** Brands of files the platform takes, as cameras, phones, encoders and editors write them. */
const KNOWN_BRAND =
  /^(iso[0-9a-z]|mp4[12v]|mp71|avc[1-4]|hvc1|hev1|av01|3g[a-z0-9]{2}|M4[ABPV][ HP]|F4[AVPB] |f4v |qt {2}|mjp2|mj2s|dash|msdh|msix|mmp4|cmf[a-z0-9]|MSNV|XAVC|NDAS|NDS[A-Z]|NDX[A-Z]|CAEP|caqv|ROSS|KDDI|MFSM|miaf|dby1|isml|piff|isob|uvvu|nvr1)$/;

/** ISO base media files that are no video, audio or picture the platform takes (raw photos, JPEG 2000). */
const NOT_MEDIA_BRANDS = new Set(['crx ', 'jp2 ', 'jpx ', 'jpm ']);
/** Boxes that follow ftyp in a movie. */
const MOVIE_BOXES = new Set(['moov', 'mdat', 'moof', 'free', 'skip', 'wide', 'uuid']);

/** Top-level boxes a QuickTime movie may start with (old .mov files have no ftyp). */
const QT_TOP = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot', 'PICT', 'uuid', 'junk']);
/** Boxes a moov box may open with. */
const MOOV_FIRST = new Set(['mvhd', 'cmov', 'prfl', 'udta', 'trak', 'meta', 'iods', 'clip', 'ctab']);

/** The size a box at `at` claims (64-bit sizes read as far as a double holds), or -1 if malformed. */
function boxSize(h: ByteView, at: number): number {
  const size = h.be32(at);
  if (size === 1) {
    const high = h.be32(at + 8);
    const low = h.be32(at + 12);
    if (high < 0 || low < 0) return -1;
    const large = high * 2 ** 32 + low;
    return large >= 16 ? large : -1;
  }
  if (size === 0) return h.size - at; // to the end of the file
  return size >= 8 ? size : -1;
}

export function sniffIsoBmff(h: ByteView): DetectedType | undefined {
  if (h.is(4, 'ftyp')) return sniffFtyp(h);
  if (!QT_TOP.has(h.ascii(4, 8))) return undefined;
  // A movie without ftyp: walk the top-level boxes in reach; each must be sane and one of them
  // the movie or its media data.
  let at = 0;
  let seenMovie = false;
  while (h.has(at + 8) && at < h.size) {
    const size = boxSize(h, at);
    const type = h.ascii(at + 4, at + 8);
    if (size < 0 || at + size > h.size || !QT_TOP.has(type)) return undefined;
    if (type === 'moov') {
      if (h.has(at + 16) && !MOOV_FIRST.has(h.ascii(at + 12, at + 16))) return undefined;
      seenMovie = true;
    }
    if (type === 'mdat') seenMovie = true;
    at += size;
  }
  return seenMovie ? { kind: 'video', mime: 'video/quicktime' } : undefined;
}

/**
 * Every top-level box from `at` whose header is in reach ends within the file: a file cut short
 * (its first kilobyte only, a copy that stopped) has a box that claims more bytes than there are.
 * Bytes after the last box that are no box (padding a copy left) end the walk.
 */
function boxesFit(h: ByteView, at: number): boolean {
  while (h.has(at + 8) && at < h.size) {
    if (!h.printable(at + 4, 4)) return true;
    const size = boxSize(h, at);
    if (size < 0 || at + size > h.size) return false;
    at += size;
  }
  return true;
}

function sniffFtyp(h: ByteView): DetectedType | undefined {
  const size = h.be32(0);
  // ftyp: size, 'ftyp', major brand, minor version, compatible brands (4 bytes each).
  if (size < 16 || size % 4 !== 0 || size > 1024 || size >= h.size || !h.has(size)) return undefined;
  if (!h.printable(8, 4)) return undefined;
  const brands = [h.ascii(8, 12)];
  for (let at = 16; at < size; at += 4) {
    if (h.is(at, [0, 0, 0, 0])) continue; // an empty slot some writers leave
    if (!h.printable(at, 4)) return undefined;
    brands.push(h.ascii(at, at + 4));
  }
  if (brands.some((b) => NOT_MEDIA_BRANDS.has(b))) return undefined;
  const known = brands.some((b) => KNOWN_BRAND.test(b) || HEIF_BRANDS.has(b) || AVIF_BRANDS.has(b));
  // What follows ftyp must be a box too (a file of nothing but ftyp is no media).
  const next = boxSize(h, size);
  if (next < 0 || size + next > h.size || !h.printable(size + 4, 4)) return undefined;
  // A brand this table does not know (some camera's own) is still a movie when the movie or its
  // media data follows.
  if (!known && !MOVIE_BOXES.has(h.ascii(size + 4, size + 8))) return undefined;
  if (!boxesFit(h, size)) return undefined;
  const major = brands[0]!;
  if (AVIF_BRANDS.has(major)) return { kind: 'image', mime: 'image/avif' };
  if (HEIF_BRANDS.has(major)) return { kind: 'image', mime: 'image/heic' };
  if (AUDIO_BRANDS.has(major)) return { kind: 'audio', mime: 'audio/mp4' };
  if (major === 'qt  ') return { kind: 'video', mime: 'video/quicktime' };
  return { kind: 'video', mime: 'video/mp4' };
}

// ---- EBML: Matroska and WebM ----

/** An EBML variable-length integer at `at`: its length in bytes and value (marker kept for ids). */
function vint(h: ByteView, at: number, keepMarker: boolean): { length: number; value: number } | undefined {
  const first = h.u8(at);
  if (first <= 0) return undefined;
  const length = Math.clz32(first) - 23; // 1 for 0b1xxxxxxx … 8 for 0b00000001
  if (length < 1 || length > 8 || !h.has(at + length)) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + h.u8(at + i);
  return { length, value };
}

export function sniffEbml(h: ByteView): DetectedType | undefined {
  if (!h.is(0, [0x1a, 0x45, 0xdf, 0xa3])) return undefined;
  const header = vint(h, 4, false);
  if (!header || header.value > 512) return undefined;
  const start = 4 + header.length;
  const end = start + header.value;
  if (!h.has(end) || end >= h.size) return undefined;
  let docType: string | undefined;
  for (let at = start; at < end;) {
    const id = vint(h, at, true);
    if (!id || id.length > 4) return undefined;
    const size = vint(h, at + id.length, false);
    if (!size) return undefined;
    const body = at + id.length + size.length;
    if (body + size.value > end) return undefined;
    if (id.value === 0x4282) docType = h.ascii(body, body + size.value).replace(/\0+$/, '');
    at = body + size.value;
  }
  // The header is followed by the Segment (or, rarely, a Void element).
  const next = vint(h, end, true);
  if (h.has(end + 4) && (!next || (next.value !== 0x18538067 && next.value !== 0xec))) return undefined;
  if (docType === 'webm') return { kind: 'video', mime: 'video/webm' };
  if (docType === 'matroska') return { kind: 'video', mime: 'video/x-matroska' };
  return undefined;
}

// ---- RIFF: WAV, AVI, WebP (and RF64/BW64 for WAV over 4 GB) ----

/** A RIFF size that fits the file (or the "unknown" values streaming writers leave). */
function plausibleRiffSize(h: ByteView): boolean {
  const size = h.le32(4);
  return size === 0xffffffff || size === 0 || (size >= 4 && size + 8 <= h.size + 1);
}

export function sniffRiff(h: ByteView): DetectedType | undefined {
  const magic = h.ascii(0, 4);
  if ((magic === 'RF64' || magic === 'BW64') && h.is(8, 'WAVE') && h.is(12, 'ds64'))
    return h.le32(4) === 0xffffffff ? { kind: 'audio', mime: 'audio/wav' } : undefined;
  if (magic !== 'RIFF' || !plausibleRiffSize(h) || h.size < 20) return undefined;
  const form = h.ascii(8, 12);
  if (form === 'WAVE') return wave(h) ? { kind: 'audio', mime: 'audio/wav' } : undefined;
  if (form === 'AVI ')
    return h.is(12, 'LIST') && chunkFits(h, 12) && h.is(20, 'hdrl') && h.is(24, 'avih')
      ? { kind: 'video', mime: 'video/x-msvideo' }
      : undefined;
  if (form === 'WEBP') return webp(h) ? { kind: 'image', mime: 'image/webp' } : undefined;
  return undefined;
}

function chunkFits(h: ByteView, at: number): boolean {
  const size = h.le32(at + 4);
  return h.printable(at, 4) && size >= 0 && at + 8 + size <= h.size + 1;
}

/** The chunks of a WAVE file, walked as far as the bytes at hand: a sane `fmt ` before `data`. */
function wave(h: ByteView): boolean {
  let at = 12;
  let chunks = 0;
  while (h.has(at + 8)) {
    const id = h.ascii(at, at + 4);
    const size = h.le32(at + 4);
    if (id === 'data') return false; // data before the format: not a playable WAVE
    if (!chunkFits(h, at)) return false;
    if (id === 'fmt ') {
      const format = h.le16(at + 8);
      const channels = h.le16(at + 10);
      const rate = h.le32(at + 12);
      const blockAlign = h.le16(at + 20);
      return size >= 14 && format > 0 && channels >= 1 && rate > 0 && blockAlign > 0;
    }
    chunks++;
    at += 8 + size + (size & 1);
  }
  // The format chunk lies past what was read (a long broadcast or iXML chunk first): the chunks
  // seen all fit the file, which text never does.
  return chunks > 0;
}

function webp(h: ByteView): boolean {
  if (!chunkFits(h, 12)) return false;
  if (h.is(12, 'VP8 ')) return h.is(23, [0x9d, 0x01, 0x2a]);
  if (h.is(12, 'VP8L')) return h.u8(20) === 0x2f;
  if (h.is(12, 'VP8X')) return h.le32(16) === 10;
  return false;
}

// ---- FLV ----

export function sniffFlv(h: ByteView): DetectedType | undefined {
  // 'FLV', version 1, flags (audio 0x04, video 0x01, the rest reserved), header size 9, then
  // PreviousTagSize0 = 0 and a first tag of type audio (8), video (9) or script data (18).
  if (!h.is(0, 'FLV') || h.u8(3) !== 1 || (h.u8(4) & 0xfa) !== 0 || h.be32(5) !== 9) return undefined;
  if (h.be32(9) !== 0 || h.size < 24) return undefined;
  return [8, 9, 18].includes(h.u8(13) & 0x1f) ? { kind: 'video', mime: 'video/x-flv' } : undefined;
}

// ---- MPEG-2 transport and program streams ----

const TS_PACKET = 188;
/** A file smaller than this many packets is not a transport stream worth the name. */
export const TS_MIN_PACKETS = 4;

export function sniffMpegTs(h: ByteView): DetectedType | undefined {
  return transportStream(h, TS_PACKET, 0) ? { kind: 'video', mime: 'video/mp2t' } : undefined;
}

/**
 * Packets of `size` bytes whose sync byte sits `offset` bytes in, over every whole packet in
 * reach (at least TS_MIN_PACKETS), each with a valid adaptation field control, and continuity
 * counters that advance for each stream: text laid out in lines of the packet size repeats the
 * same "stream" with the same counter. A glitch or two in a real recording is forgiven.
 */
function transportStream(h: ByteView, size: number, offset: number): boolean {
  if (h.size < size * TS_MIN_PACKETS) return false;
  const packets = Math.floor(Math.min(h.length, h.size) / size);
  if (packets < TS_MIN_PACKETS) return false;
  const counters = new Map<number, number>();
  let breaks = 0;
  for (let i = 0; i < packets; i++) {
    const at = i * size + offset;
    if (h.u8(at) !== 0x47) return false;
    const control = (h.u8(at + 3) >> 4) & 3;
    if (control === 0) return false; // reserved
    const pid = ((h.u8(at + 1) & 0x1f) << 8) | h.u8(at + 2);
    const counter = h.u8(at + 3) & 0x0f;
    // Only packets with a payload count; null packets (0x1FFF) have no counter to keep.
    if ((control & 1) === 0 || pid === 0x1fff) continue;
    const previous = counters.get(pid);
    if (previous !== undefined && counter !== (previous + 1) % 16) breaks++;
    counters.set(pid, counter);
  }
  return breaks <= 2;
}

/**
 * The same stream in 192-byte packets, each after a 4-byte arrival timestamp: Blu-ray and AVCHD
 * camcorders (.m2ts, .mts).
 */
export function sniffM2ts(h: ByteView): DetectedType | undefined {
  return transportStream(h, TS_PACKET + 4, 4) ? { kind: 'video', mime: 'video/mp2t' } : undefined;
}

export function sniffMpegPs(h: ByteView): DetectedType | undefined {
  if (!h.is(0, [0, 0, 1])) return undefined;
  const code = h.u8(3);
  if (code === 0xba) {
    let next: number;
    if ((h.u8(4) & 0xc4) === 0x44) {
      // MPEG-2 pack header: marker bits, then stuffing.
      if ((h.u8(6) & 0x04) === 0 || (h.u8(8) & 0x04) === 0 || (h.u8(9) & 0x01) === 0) return undefined;
      if ((h.u8(12) & 0x03) !== 0x03) return undefined;
      next = 14 + (h.u8(13) & 0x07);
    } else if ((h.u8(4) & 0xf1) === 0x21) {
      // MPEG-1 pack header.
      if ((h.u8(6) & 1) === 0 || (h.u8(8) & 1) === 0 || (h.u8(9) & 0x80) === 0 || (h.u8(11) & 1) === 0)
        return undefined;
      next = 12;
    } else return undefined;
    // The pack header is followed by another start code (system header, a PES packet, …).
    return h.is(next, [0, 0, 1]) && h.u8(next + 3) >= 0xb9
      ? { kind: 'video', mime: 'video/mpeg' }
      : undefined;
  }
  if (code === 0xb3) {
    // A video sequence header: size, aspect ratio and frame rate codes, marker bit.
    const width = (h.u8(4) << 4) | (h.u8(5) >> 4);
    const height = ((h.u8(5) & 0x0f) << 8) | h.u8(6);
    const aspect = h.u8(7) >> 4;
    const rate = h.u8(7) & 0x0f;
    const ok = h.has(12) && width > 0 && height > 0 && aspect >= 1 && aspect <= 14 && rate >= 1 && rate <= 8;
    return ok && (h.u8(10) & 0x20) !== 0 ? { kind: 'video', mime: 'video/mpeg' } : undefined;
  }
  return undefined;
}
