// @ts-check
import tseslint from 'typescript-eslint';

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
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-results/**', 'playwright-report/**'] },
  ...tseslint.configs.recommended,
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
