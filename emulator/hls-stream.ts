import { open } from 'node:fs/promises';

/**
 * What the Sandbox can stream of an uploaded file without transcoding (it has no encoder: a
 * packaged app ships no ffmpeg). HLS carries MPEG-TS segments, or fragmented MP4 (CMAF) with an
 * `#EXT-X-MAP` init section (RFC 8216 §3.3), so:
 * - an MPEG-TS file is its own one segment;
 * - a fragmented MP4 (`ftyp` `moov` holding `mvex`, then `moof`/`mdat` pairs, as ffmpeg writes with
 *   `-movflags frag_keyframe+empty_moov`) is split at the end of its `moov` into an init section and
 *   one media segment holding every fragment;
 * - anything else (an ordinary MP4 with its samples in one `mdat`, WebM, MP3…) cannot be streamed:
 *   its `hls.status` is `error`, never a `ready` whose playlist no player can play.
 */
export type HlsSource =
  | { kind: 'ts'; size: number }
  | { kind: 'fmp4'; init: { start: 0; end: number }; media: { start: number; end: number } };

const TS_PACKET = 188;
/** Top-level boxes an fMP4 may carry besides its init and fragments; anything else is not ours to stream. */
const SIDE_BOXES = new Set(['free', 'skip', 'uuid', 'styp', 'sidx', 'prft', 'emsg', 'mfra', 'meta']);

export async function hlsSourceOf(path: string): Promise<HlsSource | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const read = async (position: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      return buffer.subarray(0, bytesRead);
    };
    const head = await read(0, TS_PACKET * 2 + 1);
    // MPEG-TS: a sync byte every 188 bytes (two in a row, not a lucky first byte).
    if (size >= TS_PACKET * 2 && head[0] === 0x47 && head[TS_PACKET] === 0x47) return { kind: 'ts', size };
    return await fragmentedMp4(read, size);
  } finally {
    await file.close();
  }
}

type Read = (position: number, length: number) => Promise<Buffer>;

interface Box {
  type: string;
  start: number;
  end: number;
  headerSize: number;
}

async function boxAt(read: Read, position: number, limit: number): Promise<Box | undefined> {
  const header = await read(position, 16);
  if (header.length < 8) return undefined;
  let size = header.readUInt32BE(0);
  let headerSize = 8;
  if (size === 1) {
    if (header.length < 16) return undefined;
    size = Number(header.readBigUInt64BE(8));
    headerSize = 16;
  } else if (size === 0) size = limit - position; // "to the end of the file"
  if (size < headerSize || position + size > limit) return undefined;
  return { type: header.toString('latin1', 4, 8), start: position, end: position + size, headerSize };
}

async function fragmentedMp4(read: Read, size: number): Promise<HlsSource | undefined> {
  const boxes: Box[] = [];
  // A file of a few hundred thousand fragments is not a Sandbox upload; the walk stays bounded.
  for (let position = 0; position < size && boxes.length < 100_000;) {
    const box = await boxAt(read, position, size);
    if (!box) return undefined; // a cut or damaged box: not a file to claim a stream for
    boxes.push(box);
    position = box.end;
  }
  const types = boxes.map((b) => b.type);
  if (types[0] !== 'ftyp') return undefined;
  const moovIndex = types.indexOf('moov');
  const firstMoof = types.indexOf('moof');
  if (moovIndex < 0 || firstMoof < moovIndex) return undefined;
  // Samples before the first fragment (an ordinary MP4's `mdat`) are not streamable as fMP4.
  if (boxes.slice(0, firstMoof).some((b) => b.type === 'mdat')) return undefined;
  if (!boxes.slice(firstMoof).every((b) => b.type === 'moof' || b.type === 'mdat' || SIDE_BOXES.has(b.type)))
    return undefined;
  const moov = boxes[moovIndex]!;
  if (!(await hasChild(read, moov, 'mvex'))) return undefined;
  const fragments = boxes.slice(firstMoof).filter((b) => b.type === 'moof' || b.type === 'mdat');
  return {
    kind: 'fmp4',
    init: { start: 0, end: moov.end },
    media: { start: boxes[firstMoof]!.start, end: fragments[fragments.length - 1]!.end },
  };
}

async function hasChild(read: Read, parent: Box, type: string): Promise<boolean> {
  for (let position = parent.start + parent.headerSize; position < parent.end;) {
    const child = await boxAt(read, position, parent.end);
    if (!child) return false;
    if (child.type === type) return true;
    position = child.end;
  }
  return false;
}

/**
 * The media playlist. Its URIs are relative to the playlist (`../source`, `init.mp4`), so it plays
 * wherever the media directory is reached from: the Sandbox's own origin, or the app's same-origin
 * relay of it (serve mode and the desktop window), whose CSP then needs no foreign origin.
 */
export function hlsPlaylist(source: HlsSource, durationSeconds: number | undefined): string {
  const duration = durationSeconds && durationSeconds > 0 ? durationSeconds : 1;
  const lines = [
    '#EXTM3U',
    // Version 7 for EXT-X-MAP in a media playlist without I-frames only (RFC 8216 §7).
    `#EXT-X-VERSION:${source.kind === 'fmp4' ? 7 : 3}`,
    `#EXT-X-TARGETDURATION:${Math.ceil(duration)}`,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    ...(source.kind === 'fmp4' ? ['#EXT-X-MAP:URI="init.mp4"'] : []),
    `#EXTINF:${duration.toFixed(3)},`,
    source.kind === 'fmp4' ? 'segment.m4s' : '../source',
    '#EXT-X-ENDLIST',
    '',
  ];
  return lines.join('\n');
}
