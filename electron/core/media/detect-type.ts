import { open } from 'node:fs/promises';
import type { MediaKind } from '../../shared/domain.ts';

export interface DetectedType {
  kind: MediaKind;
  mime: string;
}

/** How many leading bytes detection reads. */
export const HEADER_BYTES = 64;

type Signature = { at: number; bytes: string | number[] } | { test: (head: Buffer) => boolean };

/**
 * Signatures of the media the platform accepts, checked against a file's first bytes: the name's
 * extension is never trusted (a renamed text file is not a video; a video named .bin still is).
 * Written from the file-format specifications, independently of the emulator's own detector.
 */
const TABLE: Array<{ kind: MediaKind; mime: string; all: Signature[] }> = [
  {
    kind: 'image',
    mime: 'image/heic',
    all: [{ at: 4, bytes: 'ftyp' }, { test: (h) => /^(heic|heix|hevc|mif1|msf1)$/.test(ascii(h, 8, 12)) }],
  },
  { kind: 'image', mime: 'image/avif', all: [{ at: 4, bytes: 'ftypavif' }] },
  {
    kind: 'audio',
    mime: 'audio/mp4',
    all: [{ at: 4, bytes: 'ftyp' }, { test: (h) => /^M4[ABP] $/.test(ascii(h, 8, 12)) }],
  },
  { kind: 'video', mime: 'video/quicktime', all: [{ at: 4, bytes: 'ftypqt  ' }] },
  { kind: 'video', mime: 'video/mp4', all: [{ at: 4, bytes: 'ftyp' }] },
  {
    kind: 'video',
    mime: 'video/quicktime',
    all: [{ test: (h) => ['moov', 'mdat', 'wide', 'free'].includes(ascii(h, 4, 8)) }],
  },
  { kind: 'video', mime: 'video/webm', all: [{ at: 0, bytes: [0x1a, 0x45, 0xdf, 0xa3] }] },
  {
    kind: 'audio',
    mime: 'audio/wav',
    all: [
      { at: 0, bytes: 'RIFF' },
      { at: 8, bytes: 'WAVE' },
    ],
  },
  {
    kind: 'video',
    mime: 'video/x-msvideo',
    all: [
      { at: 0, bytes: 'RIFF' },
      { at: 8, bytes: 'AVI ' },
    ],
  },
  {
    kind: 'image',
    mime: 'image/webp',
    all: [
      { at: 0, bytes: 'RIFF' },
      { at: 8, bytes: 'WEBP' },
    ],
  },
  { kind: 'video', mime: 'video/x-flv', all: [{ at: 0, bytes: 'FLV' }] },
  {
    kind: 'video',
    mime: 'video/mpeg',
    all: [{ at: 0, bytes: [0, 0, 1] }, { test: (h) => h[3] === 0xba || h[3] === 0xb3 }],
  },
  {
    kind: 'video',
    mime: 'video/mp2t',
    all: [{ at: 0, bytes: [0x47] }, { test: (h) => h.length < 189 || h[188] === 0x47 }],
  },
  { kind: 'image', mime: 'image/png', all: [{ at: 0, bytes: [0x89, 0x50, 0x4e, 0x47] }] },
  { kind: 'image', mime: 'image/jpeg', all: [{ at: 0, bytes: [0xff, 0xd8, 0xff] }] },
  { kind: 'image', mime: 'image/gif', all: [{ at: 0, bytes: 'GIF8' }] },
  { kind: 'image', mime: 'image/bmp', all: [{ at: 0, bytes: 'BM' }, { test: (h) => h.length >= 26 }] },
  {
    kind: 'image',
    mime: 'image/tiff',
    all: [{ test: (h) => ascii(h, 0, 4) === 'II*\0' || ascii(h, 0, 4) === 'MM\0*' }],
  },
  { kind: 'audio', mime: 'audio/flac', all: [{ at: 0, bytes: 'fLaC' }] },
  { kind: 'audio', mime: 'audio/ogg', all: [{ at: 0, bytes: 'OggS' }] },
  { kind: 'audio', mime: 'audio/mpeg', all: [{ at: 0, bytes: 'ID3' }] },
  {
    kind: 'audio',
    mime: 'audio/aac',
    all: [{ test: (h) => h[0] === 0xff && ((h[1] ?? 0) & 0xf6) === 0xf0 }],
  },
  {
    kind: 'audio',
    mime: 'audio/mpeg',
    all: [{ test: (h) => h[0] === 0xff && ((h[1] ?? 0) & 0xe0) === 0xe0 }],
  },
];

function ascii(head: Buffer, start: number, end: number): string {
  return head.toString('latin1', start, end);
}

function matches(head: Buffer, sig: Signature): boolean {
  if ('test' in sig) return sig.test(head);
  const expected = typeof sig.bytes === 'string' ? Buffer.from(sig.bytes, 'latin1') : Buffer.from(sig.bytes);
  return (
    head.length >= sig.at + expected.length &&
    head.subarray(sig.at, sig.at + expected.length).equals(expected)
  );
}

export function detectType(head: Buffer): DetectedType | undefined {
  const hit = TABLE.find((entry) => entry.all.every((sig) => matches(head, sig)));
  return hit && { kind: hit.kind, mime: hit.mime };
}

export async function readHeader(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
