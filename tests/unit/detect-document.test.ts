/**
 * Documents as the platform takes them (issue 17): PDF, plain text and Markdown, and only when
 * the name's extension matches the content. Real files in a temp folder, read by the same
 * `readHeader` the queue uses; the preflight's refusals are the messages a person reads.
 */
import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFile, detectType, HEADER_BYTES, readHeader } from '../../electron/core/media/detect-type.ts';
import { preflightFile } from '../../electron/core/queue/preflight.ts';
import { JPEG_16x8, mp4, png, wav, writeFixture } from '../helpers/media.ts';
import { minimalPdf, xrefOffsetsHold } from '../helpers/pdf.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir()));
afterAll(() => cleanup());

const PDF = minimalPdf();
const TEXT = Buffer.from('Shot list\n1. wide — the bridge at dawn\n2. close-up: ünïcode ✓\n'.repeat(20));
const MARKDOWN = Buffer.from('# Notes\n\n- *first* point\n- `code` too — “quoted”\n'.repeat(20));

async function classify(name: string, data: Buffer, uploadName = name) {
  const path = await writeFixture(join(dir, name), data);
  return classifyFile(await readHeader(path), uploadName);
}

describe('documents whose name matches their content', () => {
  it('the helper PDF is a real one: every cross-reference offset lands on its object', () => {
    expect(xrefOffsetsHold(PDF)).toBe(true);
  });

  it.each([
    ['report.pdf', PDF, 'application/pdf'],
    ['REPORT.PDF', PDF, 'application/pdf'],
    ['notes.txt', TEXT, 'text/plain'],
    ['notes.md', MARKDOWN, 'text/markdown'],
    ['notes.Markdown', MARKDOWN, 'text/markdown'],
    ['bom.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), TEXT]), 'text/plain'],
    ['tabs.txt', Buffer.from('a\tb\r\nc\fd\n'), 'text/plain'],
  ])('%s is a document (%s)', async (name, data, mime) => {
    expect(await classify(name, data)).toEqual({ type: { kind: 'document', mime } });
  });

  it('a PDF with a little junk before its header, as readers accept', async () => {
    const junk = Buffer.concat([Buffer.from('\r\n\r\n'), PDF]);
    expect(await classify('junk.pdf', junk)).toEqual({ type: { kind: 'document', mime: 'application/pdf' } });
  });

  it('a long text whose head ends inside a multi-byte character is still text', async () => {
    // "é" is 2 bytes: with one ASCII byte first, the head's last character is cut in two.
    const data = Buffer.from(`x${'é'.repeat(HEADER_BYTES)}`);
    expect(data[HEADER_BYTES - 1]).toBe(0xc3); // the cut: a lead byte with its follower past the head
    expect(await classify('long.txt', data)).toEqual({ type: { kind: 'document', mime: 'text/plain' } });
    // The same bytes as a whole file (nothing after them): an unfinished character is not UTF-8.
    expect(classifyFile(data.subarray(0, HEADER_BYTES), 'cut.txt')).toHaveProperty('refused');
  });

  it('without a name only media is recognised: a document needs its name to be one', async () => {
    expect(detectType(PDF)).toBeUndefined();
    expect(detectType(TEXT)).toBeUndefined();
    expect(detectType(PDF, 'a.pdf')).toEqual({ kind: 'document', mime: 'application/pdf' });
    expect(detectType(PDF, 'a.txt')).toBeUndefined();
  });
});

describe('media keeps being recognised by its bytes', () => {
  it.each([
    ['clip.bin', mp4(), 'video'],
    ['clip', mp4(), 'video'],
    ['voice.data', wav(0.2), 'audio'],
    ['still.jpeg', JPEG_16x8, 'image'],
  ])('%s is %s whatever its (non-document) name', async (name, data, kind) => {
    expect(await classify(name, data)).toMatchObject({ type: { kind } });
  });
});

describe('a name that does not match the content is refused, saying what each says', () => {
  it.each([
    [
      'clip.txt',
      mp4(),
      /clip\.txt is named \.txt but its content is a video file \(video\/mp4\), not plain text.*Rename it to \.mp4/,
    ],
    [
      'clip.md',
      mp4(),
      /clip\.md is named \.md but its content is a video file \(video\/mp4\), not Markdown text/,
    ],
    [
      'scan.pdf',
      png(),
      /scan\.pdf is named \.pdf but its content is an image file \(image\/png\), not a PDF.*Rename it to \.png/,
    ],
    ['voice.markdown', wav(0.2), /is named \.markdown but its content is an? audio file \(audio\/wav\)/],
    ['notes.pdf', TEXT, /notes\.pdf is named \.pdf but its content is plain text, not a PDF/],
    ['paper.txt', PDF, /paper\.txt is a PDF but its name ends in \.txt.*named \.pdf/],
    ['paper.bin', PDF, /paper\.bin is a PDF but its name ends in \.bin/],
    ['paper', PDF, /paper is a PDF but its name has no extension/],
    [
      'latin1.txt',
      Buffer.from('caf\xe9 au lait\n'.repeat(30), 'latin1'),
      /latin1\.txt is named \.txt but its content is not plain text \(it is not UTF-8 text\)/,
    ],
    ['nul.md', Buffer.from('# title\n\0\n'), /nul\.md is named \.md but its content is not Markdown text/],
  ])('%s', async (name, data, message) => {
    const result = await classify(name, data);
    expect(result).toEqual({ refused: expect.stringMatching(message) });
  });

  it('the name checked is the one the upload carries (the `filename` sent), not the file’s own', async () => {
    expect(await classify('doc-as-stored.bin', PDF, 'report.pdf')).toMatchObject({
      type: { kind: 'document' },
    });
    expect(await classify('stored.pdf', PDF, 'renamed.txt')).toHaveProperty('refused');
  });
});

describe('fakes are not PDFs', () => {
  it.each([
    ['five bytes', '%PDF-'],
    ['a header alone', '%PDF-1.7\n'],
    ['a version that does not exist', '%PDF-9.1\n1 0 obj\n<< >>\nendobj\n'],
    ['a version run on', '%PDF-1.45\n1 0 obj\n<< >>\nendobj\n'],
    ['a header then prose, no object', `%PDF-1.7\n${'This file only says it is a PDF.\n'.repeat(40)}`],
  ])('%s, named .pdf, is refused', async (_what, text) => {
    expect(await classify('fake.pdf', Buffer.from(text, 'latin1'))).toEqual({
      refused: expect.stringMatching(
        /fake\.pdf is named \.pdf but its content is plain text, not a PDF|is not a PDF/,
      ),
    });
  });
});

describe('text under another name stays unsupported, and says what is', () => {
  it.each(['server.log', 'export.csv', 'data.json', 'notes.mp4', 'README'])('%s', async (name) => {
    const result = await classify(name, TEXT);
    expect(result).toEqual({
      refused: expect.stringContaining(
        `${name} is not a video, audio or image file TwelveLabs accepts: its content is text`,
      ),
    });
    expect((result as { refused: string }).refused).toContain(
      'Supported: video, audio and image files, PDF (.pdf), plain text (.txt) and Markdown (.md, .markdown)',
    );
  });
});

describe('the preflight', () => {
  it('passes a document with its kind and the one method documents have (direct)', async () => {
    const path = await writeFixture(join(dir, 'brief.pdf'), PDF);
    expect(await preflightFile(path)).toMatchObject({
      kind: 'document',
      mime: 'application/pdf',
      method: 'direct',
    });
    // The upload's own name decides, as on the platform.
    await expect(preflightFile(path, { name: 'brief.txt' })).rejects.toThrow(/brief\.txt is a PDF/);
  });

  it('refuses a document over 200 MB (a sparse 201 MB PDF)', async () => {
    const path = await writeFixture(join(dir, 'huge.pdf'), PDF);
    await truncate(path, 201_000_000);
    await expect(preflightFile(path)).rejects.toThrow(
      /huge\.pdf is 201 MB; documents uploaded from this computer can be at most 200 MB\. .*up to 512 MB/,
    );
  });

  it('a text exactly at 200 MB passes; one byte more does not', async () => {
    // Text past the head the detection reads; the sparse tail after it is never read.
    const path = await writeFixture(join(dir, 'edge.txt'), Buffer.concat([TEXT, TEXT, TEXT, TEXT]));
    await truncate(path, 200_000_000);
    expect(await preflightFile(path)).toMatchObject({
      kind: 'document',
      method: 'direct',
      size: 200_000_000,
    });
    await truncate(path, 200_000_001);
    await expect(preflightFile(path)).rejects.toThrow(/at most 200 MB/);
  });
});
