/**
 * `tl-uploader` with documents, as a real child process against the emulator (issue 17):
 * `upload --index --wait` ends a PDF ready and says it was not indexed (exit 0), refuses a
 * mismatch with its reason (exit 1); `ls --type document` lists the documents.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import { mp4, writeFixture } from '../helpers/media.ts';
import { minimalPdf } from '../helpers/pdf.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let emulator: RunningEmulator;
let root: string;
let cleanup: () => Promise<void>;
const KEY = 'cli-documents-key-1';

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  emulator = await startEmulator({ processingMs: 20, indexingMs: 40, apiKey: KEY });
});
afterAll(async () => {
  await emulator.close();
  await cleanup();
});

function cli(args: string[]) {
  const child = spawn(process.execPath, ['bin/tl-uploader.mjs', ...args], {
    env: {
      ...process.env,
      TL_UPLOADER_DATA_DIR: join(root, 'data'),
      TWELVELABS_BASE_URL: emulator.url,
      TWELVELABS_API_KEY: KEY,
      TL_UPLOADER_PROGRESS_MS: '60000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.on('close', (code) => r({ code, stdout, stderr })),
  );
}

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
