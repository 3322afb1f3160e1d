import type { ByteView } from './byte-view.ts';
import type { DetectedType } from './detect-type.ts';

/**
 * Audio formats by structure (ISO/IEC 11172-3 and 13818-3 frames, ID3v2.2–2.4, ADTS of ISO/IEC
 * 13818-7, FLAC, Ogg RFC 3533): a headerless stream counts only when one valid frame is followed
 * by another where the first one's length says it must be.
 */

const MP3: DetectedType = { kind: 'audio', mime: 'audio/mpeg' };
const AAC: DetectedType = { kind: 'audio', mime: 'audio/aac' };
const FLAC: DetectedType = { kind: 'audio', mime: 'audio/flac' };

// Bitrates in kbit/s by [MPEG-1 ? 0 : 1][layer I, II, III][index 1..14].
const BITRATES = [
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
  3: [44100, 48000, 32000], // MPEG-1
  2: [22050, 24000, 16000], // MPEG-2
  0: [11025, 12000, 8000], // MPEG-2.5
};

interface MpegFrame {
  length: number;
  /** Version, layer and sample rate: what every frame of one stream shares. */
  signature: number;
}

/** The MPEG audio frame header at `at`, if it is one (free-format and reserved values refused). */
function mpegFrame(h: ByteView, at: number): MpegFrame | undefined {
  const b1 = h.u8(at + 1);
  const b2 = h.u8(at + 2);
  const b3 = h.u8(at + 3);
  if (h.u8(at) !== 0xff || (b1 & 0xe0) !== 0xe0 || b3 < 0) return undefined;
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3; // 3 = I, 2 = II, 1 = III
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (version === 1 || layer === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3)
    return undefined;
  if ((b3 & 3) === 2) return undefined; // reserved emphasis
  const bitrate = BITRATES[version === 3 ? 0 : 1]![3 - layer]![bitrateIndex - 1]! * 1000;
  const rate = SAMPLE_RATES[version]![rateIndex]!;
  const padding = (b2 >> 1) & 1;
  const length =
    layer === 3
      ? (Math.floor((12 * bitrate) / rate) + padding) * 4
      : Math.floor(((layer === 1 && version !== 3 ? 72 : 144) * bitrate) / rate) + padding;
  return { length, signature: (version << 4) | (layer << 2) | rateIndex };
}

/** Two MPEG audio frames in a row from `at`. */
function mpegStream(h: ByteView, at: number): boolean {
  const first = mpegFrame(h, at);
  if (!first) return false;
  const second = mpegFrame(h, at + first.length);
  return !!second && second.signature === first.signature;
}

/** The ADTS header at `at`: its frame length and sampling index, if it is one. */
function adtsFrame(h: ByteView, at: number): { length: number; rate: number } | undefined {
  const b1 = h.u8(at + 1);
  const b2 = h.u8(at + 2);
  if (h.u8(at) !== 0xff || (b1 & 0xf6) !== 0xf0 || !h.has(at + 7)) return undefined;
  const rate = (b2 >> 2) & 0x0f;
  const length = ((h.u8(at + 3) & 3) << 11) | (h.u8(at + 4) << 3) | (h.u8(at + 5) >> 5);
  const headerLength = b1 & 1 ? 7 : 9;
  if (rate > 12 || length < headerLength + 1) return undefined;
  return { length, rate };
}

function adtsStream(h: ByteView, at: number): boolean {
  const first = adtsFrame(h, at);
  if (!first || at + first.length + 7 > h.size) return false;
  // ADTS frames can be up to 8 KiB: when the next one lies past the bytes read, the header's
  // own fields (checked above) have to do; binary from the first byte on, it is no text anyway.
  if (!h.has(at + first.length + 7)) return true;
  return adtsFrame(h, at + first.length)?.rate === first.rate;
}

export function sniffMpegAudio(h: ByteView): DetectedType | undefined {
  if (h.is(0, 'ID3')) return id3(h);
  if (adtsStream(h, 0)) return AAC;
  if (mpegStream(h, 0)) return MP3;
  return undefined;
}

/** An ID3v2 tag that is really one (version, flags, sizes), then the audio after it if in reach. */
function id3(h: ByteView): DetectedType | undefined {
  const major = h.u8(3);
  const flags = h.u8(5);
  if (major < 2 || major > 4 || h.u8(4) === 0xff || !h.has(10)) return undefined;
  const allowedFlags = major === 2 ? 0xc0 : major === 3 ? 0xe0 : 0xf0;
  if ((flags & ~allowedFlags) !== 0) return undefined;
  let size = 0;
  for (let i = 6; i < 10; i++) {
    if (h.u8(i) >= 0x80) return undefined; // sizes are "synchsafe": 7 bits a byte
    size = size * 128 + h.u8(i);
  }
  const end = 10 + size + (flags & 0x10 ? 10 : 0);
  if (end >= h.size) return undefined; // a tag with no audio after it
  // The first frame of the tag (when there is no extended header) has an id of capitals and
  // digits, or the tag is all padding.
  if (!(flags & 0x40) && size > 0) {
    const idLength = major === 2 ? 3 : 4;
    const id = h.ascii(10, 10 + idLength);
    if (!/^[A-Z0-9]+$/.test(id) && !h.is(10, new Array<number>(idLength).fill(0))) return undefined;
  }
  // The audio lies past what was read (cover art in the tag): the tag's structure has to do.
  const pastRead = h.length < h.size;
  if (!h.has(end + 4)) return pastRead ? MP3 : undefined;
  if (h.is(end, 'fLaC')) return flac(h, end) ? FLAC : undefined;
  if (adtsStream(h, end)) return AAC;
  // Some taggers pad after the declared size: skip a run of zeros before the first frame.
  let at = end;
  while (h.u8(at) === 0 && at < end + 1024) at++;
  if (!h.has(at + 4)) return pastRead ? MP3 : undefined;
  const first = mpegFrame(h, at);
  if (!first) return undefined;
  // The next frame past the bytes read (a long tag left little room): one valid frame will do.
  if (!h.has(at + first.length + 4) && pastRead) return MP3;
  return mpegStream(h, at) ? MP3 : undefined;
}

/** fLaC followed by a STREAMINFO block with sane values. */
function flac(h: ByteView, at: number): boolean {
  if (!h.is(at, 'fLaC') || (h.u8(at + 4) & 0x7f) !== 0 || h.be24(at + 5) !== 34) return false;
  const minBlock = h.be16(at + 8);
  const maxBlock = h.be16(at + 10);
  const rate = (h.u8(at + 18) << 12) | (h.u8(at + 19) << 4) | (h.u8(at + 20) >> 4);
  return (
    h.has(at + 42) &&
    h.size >= at + 42 &&
    minBlock >= 16 &&
    maxBlock >= minBlock &&
    rate > 0 &&
    rate <= 655_350
  );
}

export function sniffFlac(h: ByteView): DetectedType | undefined {
  return flac(h, 0) ? FLAC : undefined;
}

/** The codec of an Ogg logical stream, from its first packet. */
const OGG_CODECS: Array<{ magic: string | number[]; type: DetectedType }> = [
  { magic: [0x01, ...Buffer.from('vorbis')], type: { kind: 'audio', mime: 'audio/ogg' } },
  { magic: 'OpusHead', type: { kind: 'audio', mime: 'audio/ogg' } },
  { magic: [0x7f, ...Buffer.from('FLAC')], type: { kind: 'audio', mime: 'audio/ogg' } },
  { magic: 'Speex   ', type: { kind: 'audio', mime: 'audio/ogg' } },
  { magic: [0x80, ...Buffer.from('theora')], type: { kind: 'video', mime: 'video/ogg' } },
];

/**
 * Ogg pages from the start: each begins "OggS" with version 0; the streams' first pages (flag
 * "beginning of stream") name their codec in their first packet. A skeleton stream comes first in
 * some files: the codec is then on a later first page in reach.
 */
export function sniffOgg(h: ByteView): DetectedType | undefined {
  let at = 0;
  let found: DetectedType | undefined;
  while (h.has(at + 27)) {
    if (!h.is(at, 'OggS') || h.u8(at + 4) !== 0 || (h.u8(at + 5) & 0xf8) !== 0) return undefined;
    const beginning = (h.u8(at + 5) & 0x02) !== 0;
    if (at === 0 && !beginning) return undefined;
    const segments = h.u8(at + 26);
    if (!h.has(at + 27 + segments)) break;
    let body = 0;
    for (let i = 0; i < segments; i++) body += h.u8(at + 27 + i);
    const packet = at + 27 + segments;
    if (!beginning) break; // past the streams' first pages
    const codec = OGG_CODECS.find((c) => h.is(packet, c.magic));
    // A video stream makes the file a video, whatever audio comes with it.
    if (codec && (!found || codec.type.kind === 'video')) found = codec.type;
    else if (!codec && !h.is(packet, 'fishead\0') && !h.is(packet, 'fisbone\0')) return undefined;
    at = packet + body;
  }
  return at <= h.size ? found : undefined;
}
