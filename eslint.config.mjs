// ESLint for the TypeScript of src/, scripts/, bench/ and test/ (npm run lint): the recommended sets of ESLint and
// typescript-eslint; layout is Prettier's (prettier.config.mjs), so no formatting rule is on here.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Generated, vendored or data: the Databricks notebooks (npm run build:databricks), the AWS kit (npm run aws:kit),
  // the benchmark's data and results, the stack's data folder.
  globalIgnores([
    'node_modules/',
    '.local-stack/',
    '.data/',
    'credentials/',
    'tmp/',
    '.venv/',
    '.kafka/',
    'output/',
    'databricks/',
    'docs/aws-kit/',
    'bench/results/',
    'bench/data/',
    'notebooks/',
    'data-samples/',
  ]),
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: {
      // Scripts and servers load modules on demand with a typed `require` (`--help` answers without loading the pipeline).
      '@typescript-eslint/no-require-imports': 'off',
      // As TypeScript's noUnusedParameters: a leading `_` marks a binding kept on purpose; `{ a: _, ...rest }` omits a key.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `let handler` assigned once the server it serves exists, read by that server's callback.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
);
