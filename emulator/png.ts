import { crc32, deflateSync } from 'node:zlib';

/** Encodes 8-bit RGB pixels (`width * height * 3` bytes, row-major) as a PNG file. */
export function encodePng(width: number, height: number, rgb: Buffer): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    rgb.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  }
  return pngFromRows(width, height, 3, raw);
}

/**
 * The PNG file around pixel rows already laid out (each row a filter byte, then its pixels):
 * 8-bit RGB (3 channels) or RGBA (4). Also used by scripts/make-icons.ts.
 */
export function pngFromRows(
  width: number,
  height: number,
  channels: 3 | 4,
  raw: Buffer,
  level?: number,
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8); // bit depth 8, colour type RGB (2) or RGBA (6)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, level === undefined ? {} : { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * The thumbnail of a video or audio asset: a 320×180 gradient whose hues come from the asset id,
 * so each asset gets a recognisable picture of its own.
 */
export function generatedThumbnail(assetId: string): Buffer {
  const width = 320;
  const height = 180;
  const seed = parseInt(assetId.slice(-6), 16) || 0x3366cc;
  const from = [(seed >> 16) & 0xff, (seed >> 8) & 0xff, seed & 0xff];
  const to = [255 - from[0]!, 255 - from[1]!, 255 - from[2]!];
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) rgb[o + c] = Math.round(from[c]! * (1 - t) + to[c]! * t);
    }
  }
  return encodePng(width, height, rgb);
}
