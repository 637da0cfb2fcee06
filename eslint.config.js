// Lint: typescript-eslint's recommended rules plus the design's one-way flow as a rule:
// channel -> core -> router -> inbox; core never imports a channel, the router or the inbox,
// and a channel never imports the router or another channel.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const boundary = (from, patterns) => ({
  files: [from],
  rules: { 'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group, message: 'Data flows one way: channel -> core -> router -> inbox.' })) }] },
});

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
  boundary('src/core/**', [['**/channels/**'], ['**/router/**'], ['**/inbox/**']]),
  boundary('src/channels/**', [['**/router/**'], ['**/inbox/**']]),
  boundary('src/router/**', [['**/channels/**'], ['**/inbox/**']]),
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
