/**
 * Draws the app and tray icons (build/icon.png 512×512, build/tray.png 32×32) with no image tool:
 * a rounded square in TwelveLabs-like green with an upward arrow. Run: npx tsx scripts/make-icons.ts
 */
import { writeFileSync } from 'node:fs';
import { encodePng } from '../emulator/png.ts';

function icon(size: number): Buffer {
  const rgb = Buffer.alloc(size * size * 3);
  const r = size * 0.2;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3;
      const dx = Math.max(r - x, x - (size - 1 - r), 0);
      const dy = Math.max(r - y, y - (size - 1 - r), 0);
      const inside = dx * dx + dy * dy <= r * r;
      const u = x / size;
      const v = y / size;
      // Arrow: a shaft and a head, centred.
      const shaft = Math.abs(u - 0.5) < 0.07 && v > 0.38 && v < 0.8;
      const head = v > 0.18 && v < 0.45 && Math.abs(u - 0.5) < (v - 0.18) * 0.95;
      const bar = v > 0.82 && v < 0.88 && u > 0.25 && u < 0.75;
      const [cr, cg, cb] = !inside
        ? [255, 255, 255]
        : shaft || head || bar
          ? [255, 255, 255]
          : [0x1f + Math.round(40 * v), 0xa8 - Math.round(30 * v), 0x6b];
      rgb[o] = cr;
      rgb[o + 1] = cg;
      rgb[o + 2] = cb;
    }
  return encodePng(size, size, rgb);
}

writeFileSync('build/icon.png', icon(512));
writeFileSync('build/tray.png', icon(32));
