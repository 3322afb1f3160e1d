import { createCipheriv, createHash } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import { encodePng } from '../../emulator/png.ts';

/** Test media, made by the tests themselves: nothing large is committed. */

/** A mono 16-bit PCM WAV of `seconds` of a sine tone. */
export function wav(seconds: number, sampleRate = 8000, frequency = 440): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * 12000), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** A PNG of the given size; `extraBytes` pads it with a private chunk to reach a target file size. */
export function png(width = 32, height = 24, extraBytes = 0): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7) % 256;
  const image = encodePng(width, height, rgb);
  if (extraBytes <= 0) return image;
  // Insert an ancillary chunk ("teXt"-like, private) before IEND: still a valid PNG.
  const iendAt = image.length - 12;
  const head = Buffer.alloc(8);
  head.writeUInt32BE(extraBytes, 0);
  head.write('prVt', 4, 'latin1');
  return Buffer.concat([
    image.subarray(0, iendAt),
    head,
    Buffer.alloc(extraBytes, 1),
    Buffer.alloc(4),
    image.subarray(iendAt),
  ]);
}

/** A real 16×8 baseline JPEG, made once with ffmpeg (225 bytes). */
export const JPEG_16x8 = Buffer.from(
  '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgEBAQEBAUFBQUFBQYGBgYGBgYGBgYGBgYHBwcICAgHBwcGBgcHCAgICAkJCQgICAgJCQoKCgwMCwsODg4RERT/xABMAAEBAAAAAAAAAAAAAAAAAAAABgEBAQAAAAAAAAAAAAAAAAAABgcQAQAAAAAAAAAAAAAAAAAAAAARAQAAAAAAAAAAAAAAAAAAAAD/wAARCAAIABADASIAAhEAAxEA/9oADAMBAAIRAxEAPwCLAFF/f//Z',
  'base64',
);

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

const MATRIX = u32(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);

function track(
  id: number,
  handler: 'vide' | 'soun',
  timescale: number,
  duration: number,
  width = 0,
  height = 0,
) {
  const tkhd = box(
    'tkhd',
    u32(3, 0, 0, id, 0, duration, 0, 0),
    Buffer.alloc(8),
    MATRIX,
    u32(width << 16, height << 16),
  );
  const mdhd = box('mdhd', u32(0, 0, 0, timescale, duration), Buffer.from([0x55, 0xc4, 0, 0]));
  const hdlr = box(
    'hdlr',
    u32(0, 0),
    Buffer.from(handler, 'latin1'),
    Buffer.alloc(12),
    Buffer.from('Handler\0'),
  );
  return box('trak', tkhd, box('mdia', mdhd, hdlr));
}

/** The header of an MP4 (ftyp + moov with a video and an audio track) whose media data follows. */
export function mp4Header(opts: {
  durationSeconds: number;
  width: number;
  height: number;
  mdatBytes: number;
}): Buffer {
  const timescale = 1000;
  const duration = Math.round(opts.durationSeconds * timescale);
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32(0x200), Buffer.from('isommp41', 'latin1'));
  const mvhd = box(
    'mvhd',
    u32(0, 0, 0, timescale, duration, 0x00010000),
    Buffer.from([1, 0]),
    Buffer.alloc(10),
    MATRIX,
    Buffer.alloc(24),
    u32(3),
  );
  const moov = box(
    'moov',
    mvhd,
    track(1, 'vide', timescale, duration, opts.width, opts.height),
    track(2, 'soun', timescale, duration),
  );
  const mdatHead = u32(8 + opts.mdatBytes);
  return Buffer.concat([ftyp, moov, mdatHead, Buffer.from('mdat', 'latin1')]);
}

/** A small MP4 in memory. */
export function mp4(
  opts: {
    durationSeconds?: number;
    width?: number;
    height?: number;
    payloadBytes?: number;
    seed?: number;
  } = {},
): Buffer {
  const payload = pseudoRandom(opts.payloadBytes ?? 4096, opts.seed ?? 1);
  const header = mp4Header({
    durationSeconds: opts.durationSeconds ?? 12.5,
    width: opts.width ?? 1280,
    height: opts.height ?? 720,
    mdatBytes: payload.length,
  });
  return Buffer.concat([header, payload]);
}

/**
 * Writes an MP4 of exactly `totalBytes` to disk without holding it in memory: a real header, then
 * media data generated block by block from `seed`, so two seeds give two different files.
 */
export async function writeMp4File(
  path: string,
  totalBytes: number,
  seed = 1,
  durationSeconds = 60,
): Promise<string> {
  const headerSize = mp4Header({ durationSeconds, width: 1920, height: 1080, mdatBytes: 0 }).length;
  const header = mp4Header({
    durationSeconds,
    width: 1920,
    height: 1080,
    mdatBytes: totalBytes - headerSize,
  });
  const file = await open(path, 'w');
  try {
    await file.write(header);
    const block = pseudoRandom(4 * 1024 * 1024, seed);
    let left = totalBytes - header.length;
    let n = 0;
    while (left > 0) {
      const piece = block.subarray(0, Math.min(left, block.length));
      // Vary each block so that chunks of one file differ from each other, too.
      piece.writeUInt32BE(n++, 0);
      await file.write(piece);
      left -= piece.length;
    }
  } finally {
    await file.close();
  }
  return path;
}

/**
 * Deterministic bytes with the entropy of compressed media: an AES-CTR keystream keyed by the seed.
 * (Repeating patterns would flatter or punish a multipart parser's boundary search by accident.)
 */
export function pseudoRandom(bytes: number, seed: number): Buffer {
  const key = createHash('sha256').update(String(seed)).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(bytes));
}

export async function writeFixture(path: string, data: Buffer): Promise<string> {
  await writeFile(path, data);
  return path;
}

/** A minimal zip archive (one deflated file, `a.txt`), as zip tools write it. */
export function zip(): Buffer {
  const body = deflateRawSync(Buffer.from('hello'));
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8); // deflated
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(5, 22);
  local.writeUInt16LE(5, 26);
  return Buffer.concat([local, Buffer.from('a.txt'), body]);
}
