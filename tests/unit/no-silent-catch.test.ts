/**
 * Every error we catch either does something (logs it, rethrows it, turns it into an answer) or
 * says in a comment why silence is right: an empty `catch {}` or a `.catch(() => undefined)` with
 * no word is refused in electron/ and emulator/ (tests/helpers/silent-catch.ts). The scanner is
 * first fed small samples, so a scanner that finds nothing fails here too.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findSilentCatches, scanForSilentCatches } from '../helpers/silent-catch.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const lines = (code: string) => findSilentCatches('sample.ts', code).map((f) => f.where);

describe('the silent-catch scanner', () => {
  it('finds catches that swallow an error without a word', () => {
    expect(lines('try {\n  f();\n} catch {}\n')).toEqual(['sample.ts:3']);
    expect(lines('try {\n  f();\n} catch (error) {\n}\n')).toEqual(['sample.ts:3']);
    expect(lines('const x = await p.catch(() => undefined);\n')).toEqual(['sample.ts:1']);
    expect(lines('void p.catch(() => {});\n')).toEqual(['sample.ts:1']);
    expect(lines('void p.catch(() => null);\n')).toEqual(['sample.ts:1']);
    expect(lines('void p.catch(function () {});\n')).toEqual(['sample.ts:1']);
    expect(lines('void p\n  .then(g)\n  .catch(() => void 0);\n')).toEqual(['sample.ts:3']);
    expect(lines('const t = await p.then(g, () => undefined);\n')).toEqual(['sample.ts:1']);
  });

  it('passes catches that act, and silent ones that say why', () => {
    const quiet = [
      'try {\n  f();\n} catch {\n  // best effort: the file may already be gone\n}\n',
      'try {\n  f();\n} catch (error) {\n  log.warn("f failed", { error });\n}\n',
      'try {\n  f();\n} catch {\n  return undefined;\n}\n',
      'await rm(tmp).catch(() => undefined); // best effort: may be gone already\n',
      '// the caller hears of it\nvoid p.catch(() => undefined);\n',
      'void p.catch((error: unknown) => log.error("p failed", { error }));\n',
      'const text = await readFile(f, "utf8").catch(() => "");\n',
      'const t = await p.then(g, (error) => log.warn("p failed", { error }));\n',
      'const t = await p.then(() => undefined);\n',
    ];
    for (const code of quiet) expect(lines(code), code).toEqual([]);
  });
});

describe('our sources', () => {
  it('have no catch that swallows an error without a word', () => {
    const found = scanForSilentCatches(root, ['electron', 'emulator']);
    // Each one either logs through the module's logger (never the key) or says why silence is right.
    expect(found.map((f) => `${f.where}  ${f.line}`)).toEqual([]);
  });
});
