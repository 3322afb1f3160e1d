/**
 * The layers of eslint.config.js bite: each rule is fed a small file that breaks it, at a path in
 * the layer it guards (ESLint's own API, the project's real configuration), and must report it;
 * the same layer's lawful imports must pass, so a rule that refuses everything fails too.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The rules (and first message) ESLint reports for `code` as if it were the file at `path`. */
async function lint(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${path}` });
  return result!.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

/** A file that imports `name` from `from` at run time, and uses it. */
const use = (name: string, from: string) => `import { ${name} } from '${from}';\nvoid ${name};`;

const IMPORT = '@typescript-eslint/no-restricted-imports';
const GLOBAL = 'no-restricted-globals';

/** [layer file, offending code, the rule that must report it] */
const violations: [string, string, string][] = [
  // electron/shared: neither Node nor the browser, nothing of the core, zod only in contract.ts
  ['electron/shared/probe.ts', use('readFile', 'node:fs/promises'), IMPORT],
  ['electron/shared/probe.ts', use('join', 'path'), IMPORT],
  ['electron/shared/probe.ts', 'export const title = () => document.title;', GLOBAL],
  ['electron/shared/probe.ts', 'export const home = () => process.env.HOME;', GLOBAL],
  ['electron/shared/probe.ts', "export const get = () => fetch('https://example.com');", GLOBAL],
  ['electron/shared/probe.ts', use('systemClock', '../core/ports.ts'), IMPORT],
  [
    'electron/shared/probe.ts',
    "import type { Logger } from '../core/ports.ts';\nexport type L = Logger;",
    IMPORT,
  ],
  ['electron/shared/probe.ts', "import { z } from 'zod';\nexport const s = z.string();", IMPORT],
  ['electron/shared/probe.ts', use('commands', './contract.ts'), IMPORT],
  // electron/core: plain Node, never electron, the renderer or the emulator
  ['electron/core/queue/probe.ts', use('app', 'electron'), IMPORT],
  ['electron/core/queue/probe.ts', "import type { App } from 'electron';\nexport type A = App;", IMPORT],
  ['electron/core/probe.ts', use('startEmulator', '../../emulator/index.ts'), IMPORT],
  ['electron/core/api/probe.ts', use('formatBytes', '../../../renderer/lib/format.ts'), IMPORT],
  ['electron/core/probe.ts', use('packageVersion', '../cli/command.ts'), IMPORT],
  ['electron/core/probe.ts', 'export const w = () => window.innerWidth;', GLOBAL],
  // electron/cli: Node, no electron
  ['electron/cli/probe.ts', use('shell', 'electron'), IMPORT],
  ['electron/cli/probe.ts', 'export const d = () => document.body;', GLOBAL],
  // electron/main: a front end, but not the renderer
  ['electron/main/probe.ts', use('formatBytes', '../../renderer/lib/format.ts'), IMPORT],
  ['electron/main/probe.ts', use('packageVersion', '../cli/command.ts'), IMPORT],
  // the sandboxed preload: 'electron' and light shared modules only
  ['electron/preload/probe.ts', use('commandNames', '../shared/contract.ts'), IMPORT],
  ['electron/preload/probe.ts', use('z', 'zod'), IMPORT],
  ['electron/preload/probe.ts', use('readFileSync', 'node:fs'), IMPORT],
  ['electron/preload/probe.ts', use('systemClock', '../core/ports.ts'), IMPORT],
  ['electron/preload/probe.ts', 'export const f = () => __dirname;', GLOBAL],
  // renderer: the browser; the contract's types and shared pure helpers only
  ['renderer/lib/probe.ts', use('readFile', 'node:fs/promises'), IMPORT],
  ['renderer/lib/probe.ts', 'export const env = () => process.env;', GLOBAL],
  ['renderer/lib/probe.ts', use('systemClock', '../../electron/core/ports.ts'), IMPORT],
  ['renderer/lib/probe.ts', use('commands', '../../electron/shared/contract.ts'), IMPORT],
  ['renderer/lib/probe.ts', use('startEmulator', '../../emulator/index.ts'), IMPORT],
  ['renderer/lib/probe.ts', use('ipcRenderer', 'electron'), IMPORT],
  [
    'renderer/views/Probe.svelte',
    '<script lang="ts">\n  import { commands } from \'../../electron/shared/contract.ts\';\n  void commands;\n</script>\n',
    IMPORT,
  ],
  [
    'renderer/views/Probe.svelte',
    '<script lang="ts">\n  const home = process.env.HOME;\n</script>\n{home}\n',
    GLOBAL,
  ],
  // emulator: a stand-in for the platform, it imports nothing of the app
  ['emulator/probe.ts', use('formatBytes', '../electron/shared/format.ts'), IMPORT],
  ['emulator/routes/probe.ts', 'export const t = () => document.title;', GLOBAL],
];

/** [layer file, lawful code]: what each layer may do passes clean. */
const lawful: [string, string][] = [
  [
    'electron/shared/probe.ts',
    "import type { CommandName } from './contract.ts';\nimport { baseUrlHost } from './base-url.ts';\n" +
      'export const f = (n: CommandName) => [n, baseUrlHost(n), new URL(n), setTimeout(() => undefined)];',
  ],
  [
    'electron/core/probe.ts',
    "import { readFile } from 'node:fs/promises';\nimport { z } from 'zod';\nimport type { StartSandbox } from './ports.ts';\n" +
      "import { commands } from '../shared/contract.ts';\n" +
      'export const f = (s: StartSandbox) => [readFile, z, s, commands, process.env, Buffer.alloc(1)];',
  ],
  [
    'electron/cli/probe.ts',
    "import { startEmulator } from '../../emulator/index.ts';\nimport { UploaderCore } from '../core/uploader-core.ts';\n" +
      'export const f = () => [startEmulator, UploaderCore];',
  ],
  [
    'electron/main/probe.ts',
    "import { app } from 'electron';\nimport { startEmulator } from '../../emulator/index.ts';\n" +
      'export const f = () => [app, startEmulator];',
  ],
  [
    'electron/preload/probe.ts',
    "import { ipcRenderer } from 'electron';\nimport { isCommandName } from '../shared/contract-names.ts';\n" +
      "import type { CommandResult } from '../shared/contract.ts';\nimport { commandChannel } from '../shared/ipc-channels.ts';\n" +
      'export const f = (r: CommandResult<never>) => [ipcRenderer, isCommandName, commandChannel, r, window];',
  ],
  [
    'renderer/lib/probe.ts',
    "import type { CommandName } from '../../electron/shared/contract.ts';\nimport { formatBytes } from '../../electron/shared/format.ts';\n" +
      'export const f = (n: CommandName) => [n, formatBytes(1), document.title, localStorage];',
  ],
  [
    'emulator/probe.ts',
    "import { createServer } from 'node:http';\nexport const f = () => [createServer, process.pid];",
  ],
];

describe('eslint.config.js: the layers', () => {
  it.each(violations)('%s refuses: %s', async (path, code, rule) => {
    const messages = await lint(path, code);
    expect(
      messages.some((m) => m.startsWith(`${rule}:`)),
      messages.join('\n') || 'no message at all',
    ).toBe(true);
  });

  it.each(lawful)('%s allows what the layer may do', async (path, code) => {
    expect(await lint(path, code)).toEqual([]);
  });
});

describe('eslint.config.js: files of one job', () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const x${i} = ${i};`).join('\n');

  it.each([
    'electron/core/probe.ts',
    'renderer/lib/probe.ts',
    'tests/unit/probe.test.ts',
    'emulator/probe.ts',
  ])('%s may not pass 400 lines', async (path) => {
    expect(await lint(path, lines(400))).toEqual([]);
    expect((await lint(path, lines(401))).some((m) => m.startsWith('max-lines:'))).toBe(true);
  });
});
