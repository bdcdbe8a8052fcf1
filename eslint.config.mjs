// Layer boundaries of style.md, enforced: one no-restricted-imports block per folder.
import js from '@eslint/js';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

const node = ['node:*', 'fs', 'fs/promises', 'path', 'child_process', 'os', 'worker_threads', 'util', 'url', 'http', 'https', 'net'];
const forbid = (patterns, message) => ({ group: patterns, message });
/** What nothing in core/ may import (style.md "Module boundaries"). */
const corePatterns = [
  forbid(['vscode'], 'core/ never imports vscode: it is a library the UI and the CLI share.'),
  forbid(node.filter((n) => n !== 'node:*'), 'core/ does no I/O: go through a port in core/ports.ts.'),
  { regex: '^node:(?!path/posix$)', message: 'core/ does no I/O: go through a port in core/ports.ts (node:path/posix is allowed).' },
  forbid(['dockerode', 'undici', 'simple-git', 'web-tree-sitter'], 'core/ reaches these only through ports; adapters live in io/.'),
  forbid(['**/io/*', '**/ui/*', '**/main'], 'core/ must not import io/, ui/ or main.'),
];
const withoutVsCode = forbid(['vscode', '**/ui/*'], 'The CLI runs without VS Code.');

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', '.test-output/**', 'examples/**', 'test/fixtures/**', 'scripts/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['extension/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver': undefined, 'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })] },
    rules: {
      'no-console': 'error',
      // A file over 400 lines holds two things: split it by what it exports (style.md "Small files").
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
      // Layers import downwards only; a cycle means a type or helper sits in the wrong file.
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['extension/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: corePatterns,
      }],
    },
  },
  {
    // The shared vocabulary (findings, the Python model, project files, conda specs) lives outside the
    // linter, so features build on it without depending on the lint rules.
    files: ['extension/core/{config,generate,simulate,runs,findings,python}/**/*.ts', 'extension/core/*.ts'],
    ignores: ['extension/core/generate/prepare-generation.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...corePatterns,
          forbid(['**/lint/*', '**/lint/**'], 'Only the linter (core/lint) and the use cases that run it import core/lint: findings and ranges are in core/findings, the Python model in core/python, file formats in core/config.'),
        ],
      }],
    },
  },
  {
    files: ['extension/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [forbid(['*', '!zod', '!zod/mini'], 'protocol/ is shared with the webview: it imports zod only.')],
      }],
    },
  },
  {
    files: ['extension/io/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          forbid(['vscode'], 'io/ adapters never import vscode.'),
          forbid(['**/ui/*', '**/main'], 'io/ must not import ui/ or main.'),
        ],
      }],
    },
  },
  {
    files: ['extension/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [forbid(['**/io/*'], 'ui/ gets io adapters injected by main.ts; it must not import io/.')],
      }],
    },
  },
  {
    files: ['extension/cli/**/*.ts'],
    ignores: ['extension/cli/cli-root.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          withoutVsCode,
          forbid(['**/io/*', '**/io/**'], 'CLI commands get io adapters from cli/cli-root.ts (the CLI composition root); add what a command needs to CliServices there.'),
        ],
      }],
    },
  },
  {
    files: ['extension/cli/cli-root.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [withoutVsCode],
      }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [forbid(['vscode', 'node:*', '**/core/*', '**/io/*', '**/ui/*'], 'webview/ talks to the extension only through protocol/.')],
      }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
