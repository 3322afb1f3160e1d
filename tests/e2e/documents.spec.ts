/**
 * Documents in the page (issue 17), in Chromium against serve mode on the Sandbox: a PDF and a
 * Markdown file dropped with an index chosen end Ready and say they were uploaded without
 * indexing; a text named .pdf is refused saying what it is; the Library's type filter finds the
 * documents, and a document's detail offers no "Index into".
 */
import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { minimalPdf } from '../helpers/pdf.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { createIndexInUploads, dropFiles } from './page-actions.ts';
import { startServeProcess } from './serve-harness.ts';

let server: Awaited<ReturnType<typeof startServeProcess>>;
let cleanup: () => Promise<void>;

test.beforeAll(async () => {
  const tmp = await makeTempDir('tl-e2e-documents-');
  cleanup = tmp.cleanup;
  server = await startServeProcess(join(tmp.dir, 'data'), {}, { args: ['--sandbox'] });
});
test.afterAll(async () => {
  await server.stop();
  await cleanup();
});

test('documents upload, say they are not indexed, and are found in the Library', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(server.url);
  await createIndexInUploads(page, 'talks');

  await dropFiles(page, [
    { name: 'brief.pdf', bytes: minimalPdf('Brief') },
    { name: 'notes.md', bytes: Buffer.from('# Notes\n\n- first\n- second\n'.repeat(20)) },
    { name: 'fake.pdf', bytes: Buffer.from('only words, no PDF here\n'.repeat(20)) },
  ]);
  const queue = page.getByRole('list', { name: 'Upload queue' });
  const brief = queue.getByRole('article', { name: 'brief.pdf' });
  await expect(brief.getByText('Ready')).toBeVisible({ timeout: 60_000 });
  await expect(brief).toContainText('Uploaded without indexing: PDFs cannot be indexed');
  const notes = queue.getByRole('article', { name: 'notes.md' });
  await expect(notes.getByText('Ready')).toBeVisible();
  await expect(notes).toContainText('Markdown files cannot be indexed');
  const fake = queue.getByRole('article', { name: 'fake.pdf' });
  await expect(fake.getByText('Failed')).toBeVisible();
  await expect(fake).toContainText('fake.pdf is named .pdf but its content is plain text, not a PDF');
  await page.screenshot({ path: 'test-results/screens/uploads-documents-light.png' });

  await page.getByRole('button', { name: 'Library', exact: true }).click();
  await page.getByRole('checkbox', { name: 'document' }).check();
  await expect(page.getByRole('button', { name: 'brief.pdf' }).first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'notes.md' }).first()).toBeVisible();
  await page.getByRole('button', { name: 'brief.pdf' }).first().click();
  const detail = page.getByRole('dialog', { name: 'brief.pdf' });
  await expect(detail).toContainText('A document: indexes (Marengo, Pegasus) take video and audio');
  await expect(detail.getByRole('button', { name: 'Index', exact: true })).toHaveCount(0);
});
