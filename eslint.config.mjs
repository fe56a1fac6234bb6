import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.code-server/**',
      'test/fixtures/**',
      'models/**',
      'out/**',
      'test-results/**',
      '.cache/**',
      '.probescope/**',
      'bench/results/**',
      '.device-bundle/**',
      'device-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        document: 'readonly',
        window: 'readonly',
        navigator: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        requestAnimationFrame: 'readonly',
        HTMLElement: 'readonly',
        customElements: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        crypto: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts', 'src/worker/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'src/core, cli, worker and protocol never import vscode.' }] },
      ],
    },
  },
  {
    // VS Code's test-electron suite must require its test bundle after mocha's pre-require (import would hoist it).
    files: ['test/electron/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
