// Lint: typescript-eslint with type information, plus the import-boundary check that keeps the layers
// one-way (docs/architecture.md#layers). Formatting is Prettier's job (`npm run format`), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Each layer may import only from the layers below it. `src/proto` is generated protobuf code (bottom layer).
const bottom = ['src/model', 'src/lib', 'src/proto'];
const storage = ['src/config', 'src/store'];
const services = ['src/ingest', 'src/query', 'src/remote-write', 'src/scrape'];
const http = ['src/http'];
const top = ['src/main.ts', 'src/cli.ts'];
const layers = [bottom, storage, services, http, top];
const layerZones = layers.slice(0, -1).map((layer, i) => ({
  target: layer,
  from: layers.slice(i + 1).flat(),
  message: 'imports point down only (docs/architecture.md#layers); move shared vocabulary to src/model.',
}));

export default tseslint.config(
  // src/proto is generated (npm run proto) and checked against a fresh generation by test/unit/proto instead.
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/', 'test/fixtures/', 'web/dist/', 'src/proto/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })] },
    rules: {
      // lmdb's put/remove return a promise for the batch they join; the store awaits the batch (committed()) instead.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'lmdb', name: ['put', 'remove'] }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }], // a closure may capture a later-assigned let
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      'import-x/no-unresolved': 'error',
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }, // JSON response bodies
  },
  {
    // Plain JavaScript entry points and child scripts: no type information, Node globals.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
);
