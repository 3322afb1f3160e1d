/**
 * What several serve-mode specs do to the page the same way (next to serve-harness.ts, which
 * starts the server they drive): drop files as a file manager does, check the view with axe, and
 * create an index where files are added.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** Drops files on the window the way a file manager does: a real drop event with a DataTransfer. */
export async function dropFiles(page: Page, files: Array<{ name: string; bytes: Buffer }>): Promise<void> {
  await page.evaluate(
    (list) => {
      const dt = new DataTransfer();
      for (const f of list)
        dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
      for (const type of ['dragenter', 'dragover', 'drop'])
        window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true }));
    },
    files.map((f) => ({ name: f.name, b64: f.bytes.toString('base64') })),
  );
}

/** axe finds nothing serious or critical in the page as it is now (the list names what it found). */
export async function noSeriousA11yViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
}

/** In Uploads, "New index…" in the index picker, named `name`: created and chosen. The picker. */
export async function createIndexInUploads(page: Page, name: string) {
  await page.getByRole('button', { name: 'Uploads', exact: true }).click();
  const picker = page.locator('#uploads-index');
  await picker.selectOption({ label: 'New index…' });
  const form = page.getByRole('form', { name: 'New index' });
  await form.getByLabel('Index name').fill(name);
  await form.getByRole('button', { name: 'Create index' }).click();
  await expect(picker.locator('option:checked')).toHaveText(name);
  return picker;
}
