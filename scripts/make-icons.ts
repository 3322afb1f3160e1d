/**
 * Draws the app icon and the tray images with no image tool, once; the PNGs are committed in
 * build/ (run again only to change them: npx tsx scripts/make-icons.ts).
 *
 * - build/icon.png: 1024×1024, a rounded green square with an upward arrow (electron-builder makes
 *   the .icns/.ico and the Linux sizes from it).
 * - build/tray/tray-<state>.png (+ @2x): coloured, for Windows and Linux trays.
 * - build/tray/tray-<state>Template.png (+ @2x): black with alpha, macOS template images (the
 *   menu bar recolours them for light and dark mode); the state is told by the glyph.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { TRAY_STATES, type TrayState } from '../electron/main/tray-state.ts';
import { pngFromRows } from '../emulator/png.ts';

type Rgba = [number, number, number, number];

function encodeRgbaPng(size: number, pixel: (u: number, v: number) => Rgba): Buffer {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  // 4×4 supersampling: smooth edges at 16 px matter more than at 512.
  const n = 4;
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++)
        for (let sx = 0; sx < n; sx++) {
          const [r, g, b, a] = pixel((x + (sx + 0.5) / n) / size, (y + (sy + 0.5) / n) / size);
          acc[0]! += r * a;
          acc[1]! += g * a;
          acc[2]! += b * a;
          acc[3]! += a;
        }
      const o = row + 1 + x * 4;
      const alpha = acc[3]!;
      raw[o] = alpha ? Math.round(acc[0]! / alpha) : 0;
      raw[o + 1] = alpha ? Math.round(acc[1]! / alpha) : 0;
      raw[o + 2] = alpha ? Math.round(acc[2]! / alpha) : 0;
      raw[o + 3] = Math.round(alpha / (n * n));
    }
  }
  return pngFromRows(size, size, 4, raw, 9);
}

const arrow = (u: number, v: number) =>
  (Math.abs(u - 0.5) < 0.08 && v > 0.4 && v < 0.78) || // shaft
  (v > 0.16 && v < 0.46 && Math.abs(u - 0.5) < (v - 0.16) * 0.95) || // head
  (v > 0.8 && v < 0.88 && u > 0.24 && u < 0.76); // base line
const pauseBars = (u: number, v: number) =>
  v > 0.22 && v < 0.78 && ((u > 0.28 && u < 0.43) || (u > 0.57 && u < 0.72));
const exclamation = (u: number, v: number) =>
  (Math.abs(u - 0.5) < 0.08 && v > 0.16 && v < 0.62) || (u - 0.5) ** 2 + (v - 0.78) ** 2 < 0.09 ** 2;
/** A cloud with a slash: no connection. */
const offline = (u: number, v: number) => {
  const cloud =
    (u - 0.38) ** 2 + (v - 0.55) ** 2 < 0.17 ** 2 ||
    (u - 0.6) ** 2 + (v - 0.5) ** 2 < 0.21 ** 2 ||
    (v > 0.55 && v < 0.72 && u > 0.22 && u < 0.78);
  const slash = Math.abs(u - v) < 0.07 && u > 0.12 && u < 0.88;
  return cloud !== slash;
};
const ring = (u: number, v: number) => {
  const d = Math.hypot(u - 0.5, v - 0.5);
  return d > 0.3 && d < 0.42;
};

const GLYPH: Record<TrayState, (u: number, v: number) => boolean> = {
  idle: arrow,
  uploading: (u, v) => arrow(u, v) || ring(u, v),
  paused: pauseBars,
  offline,
  error: exclamation,
};
const COLOUR: Record<TrayState, [number, number, number]> = {
  idle: [0x6b, 0x72, 0x80],
  uploading: [0x1f, 0xa8, 0x6b],
  paused: [0xd9, 0x8e, 0x04],
  offline: [0x6b, 0x72, 0x80],
  error: [0xdc, 0x26, 0x26],
};

function appIcon(u: number, v: number): Rgba {
  const r = 0.2;
  const dx = Math.max(r - u, u - (1 - r), 0);
  const dy = Math.max(r - v, v - (1 - r), 0);
  if (dx * dx + dy * dy > r * r) return [0, 0, 0, 0];
  if (arrow(u, v)) return [255, 255, 255, 255];
  return [0x1f + Math.round(40 * v), 0xa8 - Math.round(30 * v), 0x6b, 255];
}

mkdirSync('build/tray', { recursive: true });
writeFileSync('build/icon.png', encodeRgbaPng(1024, appIcon));
for (const state of TRAY_STATES) {
  const glyph = GLYPH[state];
  const [r, g, b] = COLOUR[state];
  for (const [suffix, size] of [
    ['', 16],
    ['@2x', 32],
  ] as const) {
    writeFileSync(
      `build/tray/tray-${state}${suffix}.png`,
      encodeRgbaPng(size, (u, v) => (glyph(u, v) ? [r, g, b, 255] : [0, 0, 0, 0])),
    );
    writeFileSync(
      `build/tray/tray-${state}Template${suffix}.png`,
      encodeRgbaPng(size, (u, v) => (glyph(u, v) ? [0, 0, 0, 255] : [0, 0, 0, 0])),
    );
  }
}
