/**
 * Type detection attacked with real-world non-media that starts with each signature's first
 * bytes (all must be refused), and real media made by ffmpeg (all must still pass).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectType, HEADER_BYTES, readHeader } from '../../electron/core/media/detect-type.ts';
import { sniff, SNIFF_BYTES } from '../../emulator/sniff.ts';
import { JPEG_16x8, mp4, png, pseudoRandom, wav, writeMp4File, zip } from '../helpers/media.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const run = promisify(execFile);
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('tl-detect-'));
});
afterAll(() => cleanup());

/** Written to disk and read back the way the app does (head + real size). */
async function detectFile(name: string, data: Buffer | string) {
  const path = join(dir, name);
  await writeFile(path, data);
  return detectType(await readHeader(path));
}

const lines = (first: string, count: number, width: number) =>
  Array.from(
    { length: count },
    (_, i) => `${i === 0 ? first : 'G'}${`,item ${i}`.padEnd(width - 2, ' ')}\n`,
  ).join('');

const NON_MEDIA: Array<[string, Buffer | string]> = [
  ['Grocery list.txt', 'Grocery list\n- milk\n- eggs\n- bread\n'],
  ['Grocery list (long).txt', `Grocery list for the week\n${'- apples, pears and more fruit\n'.repeat(200)}`],
  // Every line exactly 188 bytes and starting with "G": MPEG-TS sync bytes in all the right places.
  ['Goods.csv', lines('G', 40, 188)],
  ['Goods wide.csv', `${'1234'}${lines('G', 40, 192)}`],
  ['BM notes.txt', 'BM: bowel movement log\n2026-01-01 08:00 normal\n'.repeat(30)],
  ['BMW.txt', 'BMW 320d, 2019, 84,000 km, one owner\n'.repeat(50)],
  ['ID3 notes.txt', 'ID3 tags explained: the header is ten bytes long...\n'.repeat(20)],
  ['ID3v2.txt', 'ID3\u0003 is not a tag when it is just text\n'.repeat(20)],
  ['RIFF.txt', 'RIFF is the Resource Interchange File Format; WAVE and AVI use it.\n'.repeat(20)],
  ['RIFFWAVE.txt', 'RIFF....WAVEfmt  this is only a description of a wav header\n'.repeat(20)],
  ['fLaC.txt', 'fLaC is the marker at the start of a FLAC stream, followed by STREAMINFO.\n'.repeat(10)],
  ['OggS.txt', 'OggS capture pattern, then version 0, then flags...\n'.repeat(10)],
  ['GIF.txt', 'GIF89a is a file format from 1989!\n'.repeat(10)],
  ['FLV.txt', 'FLV files start with the letters FLV and a version byte.\n'.repeat(10)],
  ['ftyp.txt', 'abcdftypisom is how an MP4 starts, roughly.\n'.repeat(10)],
  ['moov.txt', 'xxx moov atom notes\n'.repeat(10)],
  ['data.json', JSON.stringify({ assets: [{ id: 'x', name: 'G' }] }, undefined, 2)],
  ['export.csv', 'id,name,size\n1,clip.mp4,1000\n2,voice.wav,2000\n'.repeat(50)],
  [
    'logo.svg',
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
  ],
  ['report.pdf', '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'],
  ['archive.zip', zip()],
  [
    'ebml.bin',
    Buffer.concat([
      Buffer.from([0x1a, 0x45, 0xdf, 0xa3]),
      Buffer.from('not really matroska, just text\n'.repeat(20)),
    ]),
  ],
  [
    'ebml-no-doctype.bin',
    Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x84, 0x42, 0x86, 0x81, 0x01, 0x18, 0x53, 0x80, 0x67, 0x01]),
  ],
  ['short-G.txt', 'G'],
  ['utf16.txt', Buffer.from('\ufeffGrocery list\n- milk\n', 'utf16le')],
  ['empty', ''],
];

describe('non-media that starts like media is refused', () => {
  it.each(NON_MEDIA)('%s', async (name, data) => {
    expect(await detectFile(name, data)).toBeUndefined();
    // The Sandbox's own detector (no shared code) refuses it too, from the head it reads.
    expect(sniff(Buffer.from(data).subarray(0, SNIFF_BYTES)).kind).toBeUndefined();
  });

  // Binary files that open with a signature and continue with anything else: the structure the
  // signature implies is missing, so none passes, whatever the bytes after it.
  const PREFIXES: Array<[string, Buffer]> = [
    ['TS sync byte', Buffer.from([0x47])],
    ['BMP', Buffer.from('BM')],
    ['ID3', Buffer.from('ID3\x03\x00', 'latin1')],
    ['RIFF WAVE', Buffer.from('RIFF\x00\x10\x00\x00WAVE', 'latin1')],
    ['RIFF AVI', Buffer.from('RIFF\x00\x10\x00\x00AVI ', 'latin1')],
    ['RIFF WEBP', Buffer.from('RIFF\x00\x10\x00\x00WEBP', 'latin1')],
    ['fLaC', Buffer.from('fLaC')],
    ['OggS', Buffer.from('OggS\x00\x02', 'latin1')],
    ['EBML', Buffer.from([0x1a, 0x45, 0xdf, 0xa3])],
    ['ftyp', Buffer.from('\x00\x00\x00\x18ftypisom', 'latin1')],
    ['moov', Buffer.from('\x00\x00\x00\x10moov', 'latin1')],
    ['PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
    ['GIF', Buffer.from('GIF89a')],
    ['TIFF', Buffer.from('II*\x00', 'latin1')],
    ['FLV', Buffer.from('FLV\x01\x05', 'latin1')],
    ['MPEG-PS', Buffer.from([0, 0, 1, 0xba])],
  ];
  it.each(PREFIXES)('%s followed by random bytes', (_name, prefix) => {
    for (let seed = 1; seed <= 25; seed++) {
      const data = Buffer.concat([prefix, pseudoRandom(HEADER_BYTES, seed)]);
      expect(detectType(data), `seed ${seed}`).toBeUndefined();
    }
  });
});

describe('reading the head', () => {
  it('of a named pipe returns at once, as no media', async () => {
    const fifo = join(dir, 'pipe.mp4');
    await run('mkfifo', [fifo]);
    // A blocking open would wait here for a writer that never comes (the test's time limit).
    expect(detectType(await readHeader(fifo))).toBeUndefined();
  }, 10_000);
});

describe('real media still passes', () => {
  it('an MP4 whose brand is some camera’s own, when a movie follows; not a Canon raw photo', () => {
    const rebrand = (brand: string) => {
      const file = mp4();
      file.write(brand, 8, 'latin1'); // major brand
      file.write(brand, 16, 'latin1'); // and both compatible ones
      file.write(brand, 20, 'latin1');
      return file;
    };
    expect(detectType(rebrand('ZCAM'))).toEqual({ kind: 'video', mime: 'video/mp4' });
    expect(detectType(rebrand('crx '))).toBeUndefined();
  });

  it('the test helpers’ media', async () => {
    expect(detectType(mp4())).toEqual({ kind: 'video', mime: 'video/mp4' });
    expect(detectType(wav(0.2))).toEqual({ kind: 'audio', mime: 'audio/wav' });
    expect(detectType(png())).toEqual({ kind: 'image', mime: 'image/png' });
    expect(detectType(JPEG_16x8)).toEqual({ kind: 'image', mime: 'image/jpeg' });
    // A big file: only its head is read, and the sizes inside agree with the file's.
    const big = await writeMp4File(join(dir, 'big.mp4'), 3_000_000);
    const head = await readHeader(big);
    expect(head.bytes.length).toBe(HEADER_BYTES);
    expect(detectType(head)).toEqual({ kind: 'video', mime: 'video/mp4' });
  });
});

const FFMPEG = '/usr/bin/ffmpeg';
const haveFfmpeg = await run(FFMPEG, ['-version']).then(
  () => true,
  () => false,
);
if (!haveFfmpeg) console.warn('detect-type: ffmpeg is not installed; the ffmpeg media table is skipped');

const VIDEO = ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25:duration=0.4'];
const AUDIO = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.4'];
const STILL = [...VIDEO, '-frames:v', '1'];
/** [file, ffmpeg arguments, expected kind and mime]. */
const MEDIA: Array<[string, string[], string, string]> = [
  ['clip.mp4', [...VIDEO, '-c:v', 'libx264', '-pix_fmt', 'yuv420p'], 'video', 'video/mp4'],
  ['clip.mov', [...VIDEO, '-c:v', 'libx264', '-pix_fmt', 'yuv420p'], 'video', 'video/quicktime'],
  ['clip.webm', [...VIDEO, '-c:v', 'libvpx'], 'video', 'video/webm'],
  ['clip.mkv', [...VIDEO, '-c:v', 'libx264'], 'video', 'video/x-matroska'],
  ['clip.avi', [...VIDEO, '-c:v', 'mpeg4'], 'video', 'video/x-msvideo'],
  ['clip.flv', [...VIDEO, '-c:v', 'flv1'], 'video', 'video/x-flv'],
  ['clip.ts', [...VIDEO, '-c:v', 'mpeg2video'], 'video', 'video/mp2t'],
  [
    'clip.mts',
    [...VIDEO, '-c:v', 'mpeg2video', '-f', 'mpegts', '-mpegts_m2ts_mode', '1'],
    'video',
    'video/mp2t',
  ],
  ['clip.mpg', [...VIDEO, '-c:v', 'mpeg1video', '-f', 'mpeg'], 'video', 'video/mpeg'],
  ['clip.vob', [...VIDEO, '-c:v', 'mpeg2video', '-f', 'vob'], 'video', 'video/mpeg'],
  ['clip.ogv', [...VIDEO, '-c:v', 'libtheora'], 'video', 'video/ogg'],
  ['tone.wav', [...AUDIO], 'audio', 'audio/wav'],
  ['tone.mp3', [...AUDIO, '-c:a', 'libmp3lame'], 'audio', 'audio/mpeg'],
  [
    'bare.mp3',
    [...AUDIO, '-c:a', 'libmp3lame', '-id3v2_version', '0', '-write_xing', '0'],
    'audio',
    'audio/mpeg',
  ],
  ['tone.mp2', [...AUDIO, '-c:a', 'mp2'], 'audio', 'audio/mpeg'],
  ['tone.aac', [...AUDIO, '-c:a', 'aac', '-f', 'adts'], 'audio', 'audio/aac'],
  ['tone.m4a', [...AUDIO, '-c:a', 'aac'], 'audio', 'audio/mp4'],
  ['tone.flac', [...AUDIO], 'audio', 'audio/flac'],
  ['tone.ogg', [...AUDIO, '-c:a', 'libvorbis'], 'audio', 'audio/ogg'],
  ['tone.opus', [...AUDIO, '-c:a', 'libopus'], 'audio', 'audio/ogg'],
  ['still.png', STILL, 'image', 'image/png'],
  ['still.jpg', STILL, 'image', 'image/jpeg'],
  ['still.gif', STILL, 'image', 'image/gif'],
  ['still.bmp', STILL, 'image', 'image/bmp'],
  ['still.tiff', STILL, 'image', 'image/tiff'],
  ['still.webp', [...STILL, '-c:v', 'libwebp'], 'image', 'image/webp'],
  ['lossless.webp', [...STILL, '-c:v', 'libwebp', '-lossless', '1'], 'image', 'image/webp'],
];

describe.skipIf(!haveFfmpeg)('real media made by ffmpeg', () => {
  beforeAll(async () => {
    // Two at a time: the machine's two cores are shared with the rest of the suite.
    const jobs = [...MEDIA];
    const worker = async () => {
      for (let job = jobs.shift(); job; job = jobs.shift())
        await run(FFMPEG, ['-v', 'error', '-y', ...job[1], join(dir, job[0])]);
    };
    await Promise.all([worker(), worker()]);
    // An MP3 whose ID3 tag (cover art) is longer than the bytes detection reads.
    const noise = 'color=c=gray:s=160x120,noise=alls=100:allf=t';
    await run(FFMPEG, [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      noise,
      '-frames:v',
      '1',
      join(dir, 'cover.png'),
    ]);
    await run(FFMPEG, [
      ...['-v', 'error', '-y', ...AUDIO, '-i', join(dir, 'cover.png')],
      ...['-map', '0', '-map', '1', '-c:a', 'libmp3lame', '-c:v', 'png', '-id3v2_version', '3'],
      join(dir, 'with-cover.mp3'),
    ]);
  }, 60_000);

  it.each(MEDIA)('%s', async (name, _args, kind, mime) => {
    const head = await readHeader(join(dir, name));
    expect(detectType(head)).toEqual({ kind, mime });
    // The Sandbox takes it as the same kind (it calls any Ogg audio, Theora video included).
    if (name !== 'clip.ogv') expect(sniff(head.bytes.subarray(0, SNIFF_BYTES)).kind).toBe(kind);
  });

  it('an MP3 whose tag is longer than the bytes read', async () => {
    const head = await readHeader(join(dir, 'with-cover.mp3'));
    const tagBytes = [6, 7, 8, 9].reduce((size, i) => size * 128 + head.bytes[i]!, 0);
    expect(tagBytes).toBeGreaterThan(HEADER_BYTES * 2);
    expect(detectType(head)).toEqual({ kind: 'audio', mime: 'audio/mpeg' });
  });

  it('a recording with a lost packet is still a transport stream', async () => {
    const ts = await readFile(join(dir, 'clip.ts'));
    const glitched = Buffer.concat([ts.subarray(0, 188 * 5), ts.subarray(188 * 6)]);
    expect(detectType(glitched)).toEqual({ kind: 'video', mime: 'video/mp2t' });
  });

  it('a file cut to a few hundred bytes is not media any more', async () => {
    const head = await readHeader(join(dir, 'clip.ts'));
    expect(detectType(head.bytes.subarray(0, 400))).toBeUndefined();
    const bmp = await readHeader(join(dir, 'still.bmp'));
    expect(detectType(bmp.bytes.subarray(0, 200))).toBeUndefined();
  });
});
