// Lint: typescript-eslint's recommended rules plus the one-way flow of docs/architecture.md as a
// rule: channel -> core -> router -> desks/inbox. Core imports none of the others; a channel
// imports neither the router, a desk nor the inbox; the router no desk; a desk never the inbox or
// a channel, and of another desk only its index.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const boundary = (from, patterns) => ({
  files: [from],
  rules: { 'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group, message: 'Data flows one way: channel -> core -> router -> desks/inbox (docs/architecture.md).' })) }] },
});
const desks = ['tickets', 'care', 'privacy'];
const otherDesks = (own) => desks.filter((d) => d !== own).map((d) => [`**/${d}/*`, `!**/${d}/index.ts`]);

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'web/**/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  boundary('src/core/**', [['**/channels/**'], ['**/router/**'], ['**/inbox/**'], ['**/desks/**']]),
  boundary('src/channels/**', [['**/router/**'], ['**/inbox/**'], ['**/desks/**']]),
  boundary('src/router/**', [['**/channels/**'], ['**/inbox/**'], ['**/desks/**']]),
  ...desks.map((own) => boundary(`src/desks/${own}/**`, [['**/channels/**'], ['**/inbox/**'], ['**/router/**'], ...otherDesks(own)])),
  {
    // The citizen's browser scripts are plain JavaScript run by the page.
    files: ['src/**/assets/*.js', 'web/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', document: 'readonly', localStorage: 'readonly', fetch: 'readonly', crypto: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
