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
  if (head.length < 4) return UNKNOWN;
  const b = head;

  if (ascii(b, 4, 8) === 'ftyp') return sniffIsoBmff(ascii(b, 8, 12));
  if (['moov', 'mdat', 'wide', 'free', 'skip'].includes(ascii(b, 4, 8)))
    return { kind: 'video', mime: 'video/quicktime', container: 'mov' };
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) {
    const isWebm = head.includes(Buffer.from('webm'));
    return isWebm
      ? { kind: 'video', mime: 'video/webm', container: 'webm' }
      : { kind: 'video', mime: 'video/x-matroska', container: 'matroska' };
  }
  if (ascii(b, 0, 4) === 'RIFF') {
    const form = ascii(b, 8, 12);
    if (form === 'WAVE') return { kind: 'audio', mime: 'audio/wav', container: 'wav' };
    if (form === 'AVI ') return { kind: 'video', mime: 'video/x-msvideo', container: 'avi' };
    if (form === 'WEBP') return { kind: 'image', mime: 'image/webp', container: 'webp' };
    return UNKNOWN;
  }
  if (ascii(b, 0, 3) === 'FLV') return { kind: 'video', mime: 'video/x-flv', container: 'flv' };
  if (b[0] === 0x47 && (b.length <= 188 || b[188] === 0x47) && b.length >= 188)
    return { kind: 'video', mime: 'video/mp2t', container: 'mpegts' };
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0x01 && (b[3] === 0xba || b[3] === 0xb3))
    return { kind: 'video', mime: 'video/mpeg', container: 'mpeg' };

  if (b[0] === 0x89 && ascii(b, 1, 4) === 'PNG')
    return { kind: 'image', mime: 'image/png', container: 'png' };
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
    return { kind: 'image', mime: 'image/jpeg', container: 'jpeg' };
  if (ascii(b, 0, 4) === 'GIF8') return { kind: 'image', mime: 'image/gif', container: 'gif' };
  if (ascii(b, 0, 2) === 'BM' && b.length >= 26)
    return { kind: 'image', mime: 'image/bmp', container: 'bmp' };
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*')
    return { kind: 'image', mime: 'image/tiff', container: 'tiff' };

  if (ascii(b, 0, 4) === 'fLaC') return { kind: 'audio', mime: 'audio/flac', container: 'flac' };
  if (ascii(b, 0, 4) === 'OggS') return { kind: 'audio', mime: 'audio/ogg', container: 'ogg' };
  if (ascii(b, 0, 3) === 'ID3') return { kind: 'audio', mime: 'audio/mpeg', container: 'mp3' };
  if (b[0] === 0xff && ((b[1] ?? 0) & 0xf6) === 0xf0)
    return { kind: 'audio', mime: 'audio/aac', container: 'aac' };
  if (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)
    return { kind: 'audio', mime: 'audio/mpeg', container: 'mp3' };
  return UNKNOWN;
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
