// @ts-check
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

/** Runtime imports of 'electron' are allowed only in electron/main and electron/preload:
 * everything else must run in plain Node (tests, CLI, serve mode). Type-only imports are fine. */
const noElectronAtRuntime = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: [
        {
          name: 'electron',
          message:
            "Only electron/main and electron/preload may import 'electron'. Inject what you need through a port.",
          allowTypeImports: true,
        },
      ],
    },
  ],
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
      globals: globals.browser,
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
  {
    files: [
      'electron/core/**',
      'electron/shared/**',
      'electron/cli/**',
      'emulator/**',
      'renderer/**',
      'tests/**',
      'bench/**',
    ],
    rules: noElectronAtRuntime,
  },
);
