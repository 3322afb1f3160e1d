/**
 * `tl-uploader` with documents, as a real child process against the emulator (issue 17):
 * `upload --index --wait` ends a PDF ready and says it was not indexed (exit 0), refuses a
 * mismatch with its reason (exit 1); `ls --type document` lists the documents.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAgainst } from '../helpers/cli-child.ts';
import { emulator, root, useEmulatorPerFile } from '../helpers/emulator-suite.ts';
import { mp4, writeFixture } from '../helpers/media.ts';
import { minimalPdf } from '../helpers/pdf.ts';

const KEY = 'cli-documents-key-1';
useEmulatorPerFile({ processingMs: 20, indexingMs: 40, apiKey: KEY });

const cli = (args: string[]) => runCliAgainst({ baseUrl: emulator.url, key: KEY }, join(root, 'data'), args);

describe('tl-uploader and documents', () => {
  it('uploads a PDF with an index named, says it was not indexed; refuses a mismatch; ls finds it', async () => {
    const made = await cli(['indexes', 'create', 'talks', '--model', 'marengo3.0', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const pdf = await writeFixture(join(root, 'brief.pdf'), minimalPdf('Brief'));
    const ok = await cli(['upload', pdf, '--index', 'talks', '--wait']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /brief\.pdf\tready \(Uploaded without indexing: PDFs cannot be indexed \(indexes take video and audio\)\.\)\t[0-9a-f]{24}/,
    );

    const clip = await writeFixture(join(root, 'clip.txt'), mp4({ seed: 5 }));
    const bad = await cli(['upload', clip, '--wait']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /clip\.txt\tfailed: clip\.txt is named \.txt but its content is a video file \(video\/mp4\)/,
    );

    const ls = await cli(['ls', '--type', 'document', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    const listed = JSON.parse(ls.stdout) as { assets: Array<{ filename: string; fileType: string }> };
    expect(listed.assets.map((a) => [a.filename, a.fileType])).toEqual([['brief.pdf', 'application/pdf']]);
    const wrong = await cli(['ls', '--type', 'documents']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('choose video, audio, image or document');
  }, 60_000);
});
