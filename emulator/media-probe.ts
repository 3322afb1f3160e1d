import { open, type FileHandle } from 'node:fs/promises';
import type { Sniffed } from './sniff.ts';

/** What processing learns about a file: the platform's `duration` and `technical_metadata`. */
export interface ProbeResult {
  duration?: number;
  technicalMetadata: Record<string, unknown>;
}

/**
 * Reads just enough of a stored file to fill `duration` and the basic technical metadata. It uses
 * positioned reads (an MP4's `moov` box is often at the end), never loading the whole file.
 */
export async function probeMedia(path: string, sniffed: Sniffed, size: number): Promise<ProbeResult> {
  const base: Record<string, unknown> = {
    file_size_bytes: size,
    file_mime_type: sniffed.mime,
    file_container_format: sniffed.container,
  };
  const file = await open(path, 'r');
  try {
    if (sniffed.container === 'wav') return withBase(base, await probeWav(file, size));
    if (
      sniffed.mime.startsWith('video/mp4') ||
      sniffed.mime === 'video/quicktime' ||
      sniffed.mime === 'audio/mp4'
    )
      return withBase(base, await probeIsoBmff(file, size));
    if (sniffed.kind === 'image') return withBase(base, await probeImage(file, sniffed));
    return { technicalMetadata: base };
  } catch {
    // A damaged header still yields an asset, only with less metadata, as the platform does.
    return { technicalMetadata: base };
  } finally {
    await file.close();
  }
}

function withBase(base: Record<string, unknown>, found: ProbeResult): ProbeResult {
  return { duration: found.duration, technicalMetadata: { ...base, ...found.technicalMetadata } };
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await file.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

async function probeWav(file: FileHandle, size: number): Promise<ProbeResult> {
  let offset = 12;
  let channels = 0;
  let sampleRate = 0;
  let byteRate = 0;
  let bitsPerSample = 0;
  let dataBytes = 0;
  while (offset + 8 <= size) {
    const header = await readAt(file, offset, 8);
    if (header.length < 8) break;
    const id = header.toString('latin1', 0, 4);
    const length = header.readUInt32LE(4);
    if (id === 'fmt ') {
      const fmt = await readAt(file, offset + 8, Math.min(length, 40));
      channels = fmt.readUInt16LE(2);
      sampleRate = fmt.readUInt32LE(4);
      byteRate = fmt.readUInt32LE(8);
      bitsPerSample = fmt.readUInt16LE(14);
    } else if (id === 'data') {
      dataBytes = Math.min(length, size - offset - 8);
      break;
    }
    offset += 8 + length + (length % 2);
  }
  const duration = byteRate > 0 ? dataBytes / byteRate : undefined;
  return {
    duration,
    technicalMetadata: {
      audio_codec: 'pcm',
      audio_sample_rate: sampleRate,
      audio_channels: channels,
      has_audio: true,
      total_audio_streams: 1,
      total_video_streams: 0,
      ...(duration !== undefined && { audio_duration_seconds: duration }),
      audio_streams: [
        {
          index: 0,
          codec: 'pcm',
          sample_rate: sampleRate,
          channels,
          bit_depth: bitsPerSample,
          duration_seconds: duration,
        },
      ],
    },
  };
}

interface Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

async function readBoxes(file: FileHandle, start: number, end: number): Promise<Box[]> {
  const boxes: Box[] = [];
  let offset = start;
  while (offset + 8 <= end && boxes.length < 10_000) {
    const h = await readAt(file, offset, 16);
    if (h.length < 8) break;
    let size = h.readUInt32BE(0);
    let headerSize = 8;
    if (size === 1 && h.length >= 16) {
      size = Number(h.readBigUInt64BE(8));
      headerSize = 16;
    } else if (size === 0) size = end - offset;
    if (size < headerSize) break;
    boxes.push({ type: h.toString('latin1', 4, 8), start: offset, headerSize, size });
    offset += size;
  }
  return boxes;
}

async function children(file: FileHandle, box: Box): Promise<Box[]> {
  return readBoxes(file, box.start + box.headerSize, box.start + box.size);
}

async function probeIsoBmff(file: FileHandle, size: number): Promise<ProbeResult> {
  const top = await readBoxes(file, 0, size);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) return { technicalMetadata: {} };
  const moovKids = await children(file, moov);
  let duration: number | undefined;
  const mvhd = moovKids.find((b) => b.type === 'mvhd');
  if (mvhd) {
    const body = await readAt(file, mvhd.start + mvhd.headerSize, 32);
    const version = body[0];
    const timescale = version === 1 ? body.readUInt32BE(20) : body.readUInt32BE(12);
    const units = version === 1 ? Number(body.readBigUInt64BE(24)) : body.readUInt32BE(16);
    if (timescale > 0) duration = units / timescale;
  }
  const meta: Record<string, unknown> = {};
  let videoStreams = 0;
  let audioStreams = 0;
  for (const trak of moovKids.filter((b) => b.type === 'trak')) {
    const trakKids = await children(file, trak);
    const mdia = trakKids.find((b) => b.type === 'mdia');
    const hdlr = mdia && (await children(file, mdia)).find((b) => b.type === 'hdlr');
    const handler = hdlr ? (await readAt(file, hdlr.start + hdlr.headerSize + 8, 4)).toString('latin1') : '';
    if (handler === 'vide') {
      videoStreams++;
      const tkhd = trakKids.find((b) => b.type === 'tkhd');
      if (tkhd && videoStreams === 1) {
        const body = await readAt(file, tkhd.start + tkhd.headerSize, tkhd.size - tkhd.headerSize);
        // Width and height are 16.16 fixed point, the last 8 bytes of tkhd in both versions.
        meta.video_width = body.readUInt32BE(body.length - 8) >>> 16;
        meta.video_height = body.readUInt32BE(body.length - 4) >>> 16;
      }
    } else if (handler === 'soun') audioStreams++;
  }
  return {
    duration,
    technicalMetadata: {
      ...meta,
      ...(duration !== undefined && videoStreams > 0 && { video_duration_seconds: duration }),
      has_audio: audioStreams > 0,
      total_video_streams: videoStreams,
      total_audio_streams: audioStreams,
    },
  };
}

async function probeImage(file: FileHandle, sniffed: Sniffed): Promise<ProbeResult> {
  const head = await readAt(file, 0, 64 * 1024);
  const dims = imageDimensions(head, sniffed.container);
  return {
    technicalMetadata: {
      image_format: sniffed.container,
      ...(dims && { image_width: dims.width, image_height: dims.height }),
    },
  };
}

export function imageDimensions(
  head: Buffer,
  container: string,
): { width: number; height: number } | undefined {
  if (container === 'png' && head.length >= 24)
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  if (container === 'gif' && head.length >= 10)
    return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
  if (container === 'bmp' && head.length >= 26)
    return { width: head.readInt32LE(18), height: Math.abs(head.readInt32LE(22)) };
  if (container === 'jpeg') {
    let offset = 2;
    while (offset + 9 < head.length) {
      if (head[offset] !== 0xff) return undefined;
      const marker = head[offset + 1] ?? 0;
      const length = head.readUInt16BE(offset + 2);
      // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker))
        return { height: head.readUInt16BE(offset + 5), width: head.readUInt16BE(offset + 7) };
      offset += 2 + length;
    }
  }
  return undefined;
}
