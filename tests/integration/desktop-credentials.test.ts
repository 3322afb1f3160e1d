/**
 * A damaged `credentials.bin` in the desktop app: the key cannot be read, so none is in use, and
 * the person is told so with a lasting notice on screen (not only a log line), asking for the key
 * again. The real built main process under the stand-in Electron, whose safeStorage refuses to
 * decrypt anything it did not seal (as Electron's does with another keychain's or a cut file).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDesktopApp } from '../helpers/desktop-app.ts';
import type { StandInApp } from '../helpers/electron-stand-in/driver.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const { launch } = useDesktopApp();

describe('a damaged credentials.bin', () => {
  it('is said with a lasting notice asking for the key again, and no key is used', async () => {
    const { dir, cleanup } = await makeTempDir('tl-desktop-credentials-');
    let app: StandInApp | undefined;
    try {
      await writeFile(join(dir, 'credentials.bin'), Buffer.from('v10\u0001garbled-sealed-bytes-tlk_secret'));
      ({ app } = await launch(dir));
      // The page has loaded (launch waited for it) and a command has had its answer: every event
      // sent to the page before it, the replay of start-up damage among them, has been reported.
      const settings = await app.invoke<{ apiKeySet?: boolean }>('settings:get');
      const notice = app.reports.find(
        (r) =>
          r.kind === 'sent' &&
          r.channel === 'tl:event:app:notice' &&
          /API key could not be read/.test(String((r.payload as { message?: string }).message)),
      );
      expect(notice, 'a notice that the saved key could not be read').toBeDefined();
      expect(notice!.payload).toMatchObject({ level: 'warning', lasting: true });
      expect(String((notice!.payload as { message: string }).message)).toMatch(/Enter the key again/);
      expect(JSON.stringify(notice!.payload)).not.toContain('tlk_secret');
      // No key is in use: Settings says so.
      expect(settings.value).toMatchObject({ apiKeySet: false });
    } finally {
      app?.kill(); // and gone before its data folder goes
      if (app) await app.exited;
      await cleanup();
    }
  }, 60_000);
});
