// @ts-check
/**
 * The layers of the app, enforced (issue 19): every folder's environment is explicit (which
 * globals exist there) and every import is checked against it. tests/unit/lint-layers.test.ts
 * proves that each rule below fails on a file that breaks it.
 *
 *   electron/shared    pure: neither Node nor the browser, no core; zod only in contract.ts
 *   electron/core      plain Node: never electron, the renderer or the emulator (the Sandbox is
 *                      handed in by each front end: UploaderCoreOptions.startSandbox)
 *   electron/cli       Node: the CLI and serve mode (a front end: may start the emulator)
 *   electron/main      Node + Electron (a front end: may start the emulator; not the CLI)
 *   electron/preload   the sandboxed preload's world: 'electron' and zod-free shared modules only
 *   renderer           the browser: the contract's types and shared pure helpers, nothing of Node
 *   emulator           Node: the Sandbox stands alone, it imports nothing of the app
 *   tests, bench       Node (and what Playwright evaluates in the page)
 */
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

/** Globals that are neither ECMAScript's nor shared by Node and the browser. */
const only = (/** @type {Record<string, unknown>} */ these, /** @type {Record<string, unknown>} */ other) =>
  Object.keys(these).filter((name) => !(name in other) && !(name in globals.builtin));
const nodeOnly = only(globals.node, globals.browser);
const browserOnly = only(globals.browser, globals.node);
/** Common to Node and the browser, but I/O or host state: not for pure shared code. */
const hostIo = [
  'fetch',
  'WebSocket',
  'localStorage',
  'sessionStorage',
  'Storage',
  'navigator',
  'BroadcastChannel',
];

/** @param {string[]} names @param {string} message */
const restrictedGlobals = (names, message) => ['error', ...names.map((name) => ({ name, message }))];

const nodeModules = builtinModules.filter((name) => !name.startsWith('_'));
const escape = (/** @type {string} */ text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Any Node built-in, with or without `node:`, and its sub-paths (fs/promises). */
const NODE_BUILTIN = `^(node:.*|(${nodeModules.map(escape).join('|')})(/.*)?)$`;

/**
 * One rule entry per folder (a file gets the options of the last block that matches it, so each
 * layer states its whole list). `regex` patterns are matched against the import specifier.
 * @param {{ regex: string, message: string, allowTypeImports?: boolean }[]} patterns
 */
const restrictImports = (patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

const ban = {
  node: { regex: NODE_BUILTIN, message: 'This layer does not run in Node: no Node built-in module here.' },
  electron: {
    regex: '^electron(/.*)?$',
    message:
      "Only electron/main and electron/preload may import 'electron'. Hand what you need to the core through a port (electron/core/ports.ts).",
  },
  /** The front ends' own folders, from elsewhere. */
  frontEnds: {
    regex: '^(\\.\\./)+(electron/)?(main|preload)/',
    message: 'Nothing imports the desktop main process or its preload: they are front ends, at the top.',
  },
  cli: {
    regex: '^(\\.\\./)+(electron/)?cli/',
    message:
      'Nothing below the front ends imports the CLI: move what is shared into electron/core or electron/shared.',
  },
  core: {
    regex: '^(\\.\\./)+(electron/)?core/',
    message: 'This layer may not import electron/core (Node-only): use the contract and electron/shared.',
  },
  renderer: {
    regex: '(^|/)renderer/',
    message: 'The renderer is the browser side: nothing outside it imports its files.',
  },
  emulator: {
    regex: '(^|/)emulator/',
    message:
      'Only front ends (electron/cli, electron/main) and tests may import the emulator: the core gets the Sandbox as a port (UploaderCoreOptions.startSandbox).',
  },
  app: {
    regex: '(^|/)electron/',
    message: 'The emulator stands alone as a stand-in for the platform: it imports nothing of the app.',
  },
  tests: {
    regex: '^(\\.\\./)+(tests|bench)/',
    message: 'Application code never imports tests or benchmarks.',
  },
  /** contract.ts holds the zod schemas: outside the Node side, only its types. */
  contractValues: {
    regex: '(^|/)contract(\\.ts)?$',
    allowTypeImports: true,
    message:
      'Import only types from the contract here (`import type`): its zod schemas are heavy and run in the core. Names for IPC come from electron/shared/contract-names.ts.',
  },
  zod: {
    regex: '^zod(/.*)?$',
    message: 'zod lives in electron/shared/contract.ts (and core schemas): this module must stay light.',
  },
};

const layer = (
  /** @type {{ files: string[], ignores?: string[], globals: Record<string, any>, forbiddenGlobals?: [string[], string], imports: any[] }} */ spec,
) => ({
  files: spec.files,
  ...(spec.ignores && { ignores: spec.ignores }),
  languageOptions: { globals: spec.globals },
  rules: {
    ...restrictImports(spec.imports),
    ...(spec.forbiddenGlobals && { 'no-restricted-globals': restrictedGlobals(...spec.forbiddenGlobals) }),
  },
});

const NOT_IN_SHARED =
  'electron/shared is pure (neither Node nor the browser): pass it in, or move this to core or the renderer.';
const NOT_IN_NODE = 'This layer runs in plain Node: no DOM or browser global here.';
const NOT_IN_BROWSER =
  'This layer runs in a browser page: no Node global here (ask the core through the contract).';

/** Plain Node (core, CLI, main, emulator): Node's globals, and none of a page's. */
const nodeLayer = {
  globals: globals.node,
  /** @type {[string[], string]} */
  forbiddenGlobals: [browserOnly, NOT_IN_NODE],
};

/** electron/shared: pure, neither Node nor the browser, and nothing above it. */
const sharedLayer = {
  globals: {},
  /** @type {[string[], string]} */
  forbiddenGlobals: [[...nodeOnly, ...browserOnly, ...hostIo], NOT_IN_SHARED],
  imports: [ban.node, ban.electron, ban.core, ban.cli, ban.frontEnds, ban.renderer, ban.emulator, ban.tests],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'out/**',
      'test-results/**',
      'playwright-report/**',
      'electron/core/sync/chokidar-worker.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Configuration files and scripts at the top: Node.
  {
    files: ['*.js', '*.ts', '*.mjs', 'scripts/**', 'bin/**', 'build/**'],
    languageOptions: { globals: globals.node },
  },
  layer({
    files: ['electron/shared/**'],
    ignores: ['electron/shared/contract.ts'],
    ...sharedLayer,
    imports: [
      ...sharedLayer.imports,
      { ...ban.zod, regex: '^(zod(/.*)?|\\./contract(\\.ts)?)$', allowTypeImports: true },
    ],
  }),
  // The contract is the one shared module that holds zod schemas (the rest stay light).
  layer({ files: ['electron/shared/contract.ts'], ...sharedLayer }),
  layer({
    files: ['electron/core/**'],
    ...nodeLayer,
    imports: [ban.electron, ban.cli, ban.frontEnds, ban.renderer, ban.emulator, ban.tests],
  }),
  layer({
    files: ['electron/cli/**'],
    ...nodeLayer,
    imports: [ban.electron, ban.frontEnds, ban.renderer, ban.tests],
  }),
  layer({
    files: ['electron/main/**'],
    ...nodeLayer,
    imports: [
      { ...ban.frontEnds, regex: '^(\\.\\./)+(electron/)?preload/' },
      ban.cli,
      ban.renderer,
      ban.tests,
    ],
  }),
  layer({
    // Sandboxed (contextIsolation + sandbox): a page's globals plus Electron's few; `require`
    // reaches only 'electron' and a handful of modules, so nothing of Node is imported here.
    files: ['electron/preload/**'],
    globals: { ...globals.browser, process: 'readonly', Buffer: 'readonly' },
    forbiddenGlobals: [
      nodeOnly.filter((name) => name !== 'process' && name !== 'Buffer'),
      'The sandboxed preload has no Node: only what Electron polyfills (process, Buffer).',
    ],
    imports: [
      ban.node,
      ban.contractValues,
      {
        regex: '^(?!electron$)[^.]',
        message: "The preload imports only 'electron' and light shared modules.",
      },
      {
        regex: '^\\.\\./(?!shared/)',
        message: 'The preload imports only light electron/shared modules (channel names, types).',
      },
    ],
  }),
  layer({
    files: ['renderer/**'],
    globals: globals.browser,
    forbiddenGlobals: [nodeOnly, NOT_IN_BROWSER],
    imports: [
      ban.node,
      ban.electron,
      { ...ban.core, regex: '(^|/)electron/(core|cli|main|preload)/' },
      ban.emulator,
      ban.tests,
      ban.contractValues,
    ],
  }),
  layer({
    files: ['emulator/**'],
    ...nodeLayer,
    imports: [ban.electron, ban.app, ban.renderer, ban.tests],
  }),
  layer({
    // Tests drive every layer (and Playwright evaluates functions in the page): Node and the
    // browser's globals, any import but a runtime 'electron' (tests run in plain Node).
    files: ['tests/**', 'bench/**'],
    globals: { ...globals.node, ...globals.browser },
    imports: [{ ...ban.electron, allowTypeImports: true }],
  }),
  {
    // Files of one job: none over 400 lines; nothing may grow past the line.
    files: ['**/*.ts', '**/*.svelte', '**/*.mjs', '**/*.js'],
    rules: { 'max-lines': ['error', { max: 400 }] },
  },
);
