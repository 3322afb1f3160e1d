import type { MediaKind } from './limits.ts';

/** What the first bytes of a file say it is. `kind` is undefined for anything that is not media. */
export interface Sniffed {
  kind: MediaKind | undefined;
  mime: string;
  container: string;
}

/** How many leading bytes `sniff` needs to decide. */
export const SNIFF_BYTES = 512;

const UNKNOWN: Sniffed = { kind: undefined, mime: 'application/octet-stream', container: 'unknown' };

const ascii = (buf: Buffer, start: number, end: number) => buf.toString('latin1', start, end);

/**
 * Detects the media type from magic numbers, never from the file name: a `.mp4` that holds text
 * is not a video, and a video named `.bin` still is.
 */
export function sniff(head: Buffer): Sniffed {
  if (head.length < 4 || !hasBinaryByte(head)) return UNKNOWN;
  const b = head;

  if (ascii(b, 4, 8) === 'ftyp') return sniffIsoBmff(ascii(b, 8, 12));
  if (['moov', 'mdat', 'wide', 'free', 'skip'].includes(ascii(b, 4, 8)))
    return { kind: 'video', mime: 'video/quicktime', container: 'mov' };
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) {
    // The EBML header names its DocType (element 0x4282): without one it is not Matroska.
    const docType = head.indexOf(Buffer.from([0x42, 0x82]));
    const name = docType < 0 ? '' : ascii(b, docType + 3, docType + 3 + ((b[docType + 2] ?? 0) & 0x7f));
    if (name === 'webm') return { kind: 'video', mime: 'video/webm', container: 'webm' };
    if (name === 'matroska') return { kind: 'video', mime: 'video/x-matroska', container: 'matroska' };
    return UNKNOWN;
  }
  if (ascii(b, 0, 4) === 'RIFF') {
    const form = ascii(b, 8, 12);
    if (form === 'WAVE') return { kind: 'audio', mime: 'audio/wav', container: 'wav' };
    if (form === 'AVI ') return { kind: 'video', mime: 'video/x-msvideo', container: 'avi' };
    if (form === 'WEBP') return { kind: 'image', mime: 'image/webp', container: 'webp' };
    return UNKNOWN;
  }
  if (ascii(b, 0, 3) === 'FLV') return { kind: 'video', mime: 'video/x-flv', container: 'flv' };
  // Sync bytes at 188-byte steps over three packets: one "G" is any text's first letter.
  if (b.length > 2 * 188 && b[0] === 0x47 && b[188] === 0x47 && b[376] === 0x47)
    return { kind: 'video', mime: 'video/mp2t', container: 'mpegts' };
  // Blu-ray and AVCHD camcorders (.m2ts, .mts): the same packets after a 4-byte timestamp.
  if (b.length > 4 + 2 * 192 && b[4] === 0x47 && b[196] === 0x47 && b[388] === 0x47)
    return { kind: 'video', mime: 'video/mp2t', container: 'mpegts' };
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0x01 && (b[3] === 0xba || b[3] === 0xb3))
    return { kind: 'video', mime: 'video/mpeg', container: 'mpeg' };

  if (b[0] === 0x89 && ascii(b, 1, 4) === 'PNG')
    return { kind: 'image', mime: 'image/png', container: 'png' };
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
    return { kind: 'image', mime: 'image/jpeg', container: 'jpeg' };
  if (ascii(b, 0, 4) === 'GIF8') return { kind: 'image', mime: 'image/gif', container: 'gif' };
  if (ascii(b, 0, 2) === 'BM' && isBmpHeader(b))
    return { kind: 'image', mime: 'image/bmp', container: 'bmp' };
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*')
    return { kind: 'image', mime: 'image/tiff', container: 'tiff' };

  if (ascii(b, 0, 4) === 'fLaC') return { kind: 'audio', mime: 'audio/flac', container: 'flac' };
  if (ascii(b, 0, 4) === 'OggS') return { kind: 'audio', mime: 'audio/ogg', container: 'ogg' };
  if (ascii(b, 0, 3) === 'ID3' && isId3Header(b))
    return { kind: 'audio', mime: 'audio/mpeg', container: 'mp3' };
  if (b[0] === 0xff && ((b[1] ?? 0) & 0xf6) === 0xf0)
    return { kind: 'audio', mime: 'audio/aac', container: 'aac' };
  // The next frame past the head (long Layer II frames): the first frame's header has to do.
  const frame = mpegFrameLength(b, 0);
  if (frame > 0 && (frame + 4 > b.length ? b.length >= SNIFF_BYTES : mpegFrameLength(b, frame) > 0))
    return { kind: 'audio', mime: 'audio/mpeg', container: 'mp3' };
  return UNKNOWN;
}

/**
 * A text is never media: every format above has binary fields (sizes with zero bytes, sync
 * words) in its first bytes, and a text has no C0 controls but tab, line breaks, form feed, escape.
 */
function hasBinaryByte(head: Buffer): boolean {
  for (const byte of head)
    if ((byte < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d, 0x1b].includes(byte)) || byte === 0x7f) return true;
  return false;
}

/** Version 2–4, flags only where that version has them, a "synchsafe" size (7 bits a byte). */
function isId3Header(b: Buffer): boolean {
  const version = b[3] ?? 0;
  const allowed = version === 2 ? 0xc0 : version === 3 ? 0xe0 : 0xf0;
  const size = [6, 7, 8, 9].map((i) => b[i] ?? 0x80);
  return version >= 2 && version <= 4 && ((b[5] ?? 0xff) & ~allowed) === 0 && size.every((x) => x < 0x80);
}

// The ISO tables of the app's electron/core/media/sniff-audio.ts, written again on purpose: the
// Sandbox stands alone (it imports nothing of the app; lint enforces it) and judges uploads as the
// platform would, on its own, so a wrong table in the app is caught here rather than mirrored.
const BITRATES_KBPS = [
  [
    [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];
const SAMPLE_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

/**
 * The length of the MPEG audio frame whose header is at `at`, or 0 if none is there. A stream
 * without a tag counts only when a second frame starts where the first one ends.
 */
function mpegFrameLength(b: Buffer, at: number): number {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return 0;
  const version = (b[at + 1]! >> 3) & 3;
  const layer = (b[at + 1]! >> 1) & 3; // 3 = I, 2 = II, 1 = III
  const index = b[at + 2]! >> 4;
  const rateIndex = (b[at + 2]! >> 2) & 3;
  if (version === 1 || layer === 0 || index === 0 || index === 15 || rateIndex === 3) return 0;
  const bitrate = BITRATES_KBPS[version === 3 ? 0 : 1]![3 - layer]![index - 1]! * 1000;
  const rate = SAMPLE_RATES[version]![rateIndex]!;
  const padding = (b[at + 2]! >> 1) & 1;
  if (layer === 3) return (Math.floor((12 * bitrate) / rate) + padding) * 4;
  return Math.floor(((layer === 1 && version !== 3 ? 72 : 144) * bitrate) / rate) + padding;
}

/** "BM" then header fields that agree: a known info header size, one plane, a real bit depth. */
function isBmpHeader(b: Buffer): boolean {
  if (b.length < 30) return false;
  const dib = b.readUInt32LE(14);
  const dataAt = b.readUInt32LE(10);
  if (![12, 16, 40, 52, 56, 64, 108, 124].includes(dib) || dataAt < 14 + dib) return false;
  if (dib === 12) return b.readUInt16LE(22) === 1 && [1, 4, 8, 24].includes(b.readUInt16LE(24));
  return b.readUInt16LE(26) === 1 && [1, 2, 4, 8, 16, 24, 32, 64].includes(b.readUInt16LE(28));
}

function sniffIsoBmff(brand: string): Sniffed {
  if (['heic', 'heix', 'hevc', 'mif1', 'msf1'].includes(brand))
    return { kind: 'image', mime: 'image/heic', container: 'heif' };
  if (brand === 'avif') return { kind: 'image', mime: 'image/avif', container: 'avif' };
  if (brand === 'qt  ') return { kind: 'video', mime: 'video/quicktime', container: 'mov' };
  if (['M4A ', 'M4B ', 'M4P '].includes(brand)) return { kind: 'audio', mime: 'audio/mp4', container: 'mp4' };
  if (brand.startsWith('3g')) return { kind: 'video', mime: 'video/3gpp', container: '3gp' };
  return { kind: 'video', mime: 'video/mp4', container: 'mov,mp4,m4a,3gp,3g2,mj2' };
}
