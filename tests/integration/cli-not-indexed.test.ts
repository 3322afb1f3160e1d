/**
 * `tl-uploader upload --index --json` of a document (issue 17), as a real child process against the
 * emulator: the reason it was not indexed is in `--json` (`indexSkipped`), not only in the text
 * line; and a duplicate document with an index chosen says it is not indexed too, in both.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAgainst } from '../helpers/cli-child.ts';
import { control, emulator, root, useEmulatorPerFile } from '../helpers/emulator-suite.ts';
import { writeFixture } from '../helpers/media.ts';
import { minimalPdf } from '../helpers/pdf.ts';

const KEY = 'cli-not-indexed-key-1';
useEmulatorPerFile({ processingMs: 20, indexingMs: 40, apiKey: KEY });

const cli = (args: string[]) => runCliAgainst({ baseUrl: emulator.url, key: KEY }, join(root, 'data'), args);
const only = (stdout: string) => (JSON.parse(stdout) as { items: Array<Record<string, unknown>> }).items[0];
const WHY = 'PDFs cannot be indexed (indexes take video and audio).';

describe('tl-uploader and a document not indexed', () => {
  it('--json says why; a duplicate says it too', async () => {
    const made = await cli(['indexes', 'create', 'talks', '--model', 'marengo3.0', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const pdf = await writeFixture(join(root, 'brief.pdf'), minimalPdf('Brief'));

    const first = await cli(['upload', pdf, '--index', 'talks', '--wait', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const uploaded = only(first.stdout);
    expect(uploaded).toMatchObject({
      state: 'ready',
      alreadyInLibrary: false,
      indexStatus: null,
      indexSkipped: `Uploaded without indexing: ${WHY}`,
    });

    const again = await cli(['upload', pdf, '--index', 'talks', '--wait', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(only(again.stdout)).toMatchObject({
      state: 'duplicate',
      alreadyInLibrary: true,
      assetId: uploaded!.assetId,
      indexSkipped: `Not indexed: ${WHY}`,
    });

    const text = await cli(['upload', pdf, '--index', 'talks', '--wait']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `brief.pdf\talready in your library as asset ${String(uploaded!.assetId)} (Not indexed: ${WHY})`,
    );
    // One asset, never an indexing request.
    expect(await control.requests('assets.create')).toHaveLength(1);
    expect(await control.requests('indexed-assets.create')).toHaveLength(0);
  }, 60_000);
});
