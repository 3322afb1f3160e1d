/**
 * The data folder named by TL_UPLOADER_DATA_DIR is absolute whatever was given (issue 13): the
 * desktop app hands it to Electron's app.setPath, which refuses a relative path, and the watched-
 * folder guards and the paths saved in the queue must not depend on the working folder later.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../electron/core/data-dir.ts';

describe('TL_UPLOADER_DATA_DIR', () => {
  it('relative, or through "..": the absolute folder it names from where the app started', () => {
    expect(defaultDataDir({ TL_UPLOADER_DATA_DIR: 'tl-data' })).toBe(join(process.cwd(), 'tl-data'));
    expect(defaultDataDir({ TL_UPLOADER_DATA_DIR: './a/../tl-data' })).toBe(join(process.cwd(), 'tl-data'));
    expect(defaultDataDir({ TL_UPLOADER_DATA_DIR: '/srv/tl/../tl-data' })).toBe(resolve('/srv/tl-data'));
  });

  it('unset or empty: the platform’s usual place, absolute', () => {
    for (const env of [{}, { TL_UPLOADER_DATA_DIR: '' }]) expect(isAbsolute(defaultDataDir(env))).toBe(true);
  });
});
