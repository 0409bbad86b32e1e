// ESLint flat config (ESLint 10 + typescript-eslint 8), type-aware through the TypeScript project service.
// Formatting is Prettier's job: no stylistic rules here.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  URLSearchParams: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  fetch: 'readonly',
  AbortController: 'readonly',
  structuredClone: 'readonly',
};

/**
 * The model gate (docs/architecture.md, "The model gate and the usage ledger"): only src/ai may load what sends to a model
 * provider, so every call is admitted by the budgets and written to the usage ledger. Packages: every
 * `@ai-sdk/*` but the interfaces (`provider`; `provider-utils` for its types only, its values post to
 * providers), the providers' own SDKs, the `ai` package's gateway (a string model id sends to Vercel's
 * AI Gateway), and the scope the server-wide providers' pool asks for (gated-call-scope.ts).
 */
const gateMessage =
  'Only src/ai reaches a model provider (the model gate, docs/architecture.md): resolve a model through the chat module’s resolveModel, or an embedder, reranker or transcription from src/ai.';
const providerPackagePattern =
  '^(@ai-sdk/(?!provider$).+|openai|cohere-ai|groq-sdk|replicate|ollama(-.+)?|@anthropic-ai/.+|@mistralai/.+|@google/generative-ai|@google/genai|@aws-sdk/client-bedrock-runtime)$';
/** The same, for a package loaded at run time: `import('…')`, `require('…')`, a `createRequire` function, `import.meta.resolve`. */
const loadedProviderSelector = (node) => `${node}[value=/${providerPackagePattern.replaceAll('/', '\\/')}/]`;
const modelGateRules = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: [
        { name: '@ai-sdk/provider-utils', allowTypeImports: true, message: gateMessage },
        { name: 'ai', importNames: ['gateway', 'createGateway'], message: gateMessage },
        // A require function may be called by any name: it is made in one place (platform/module-worker.ts).
        { name: 'node:module', importNames: ['createRequire'], message: gateMessage },
        { name: 'module', importNames: ['createRequire'], message: gateMessage },
        { name: 'undici', message: 'HTTP leaves through src/platform/outbound (the guard, or the providers’ pool).' },
      ],
      patterns: [
        { regex: providerPackagePattern, message: gateMessage },
        { regex: 'platform/outbound/gated-call-scope(\\.js)?$', message: gateMessage },
      ],
    },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: `ImportExpression > ${loadedProviderSelector('Literal.source')}`, message: gateMessage },
    {
      selector: `ImportExpression > TemplateLiteral.source`,
      message: `A module loaded by a computed name cannot be checked. ${gateMessage}`,
    },
    // require('…'), a function made by createRequire and called at once, import.meta.resolve('…').
    {
      selector: `CallExpression[callee.name=/require/i] > ${loadedProviderSelector('Literal.arguments')}`,
      message: gateMessage,
    },
    {
      selector: `CallExpression[callee.type='CallExpression'] > ${loadedProviderSelector('Literal.arguments')}`,
      message: gateMessage,
    },
    {
      selector: `CallExpression[callee.property.name=/^(require|resolve)$/] > ${loadedProviderSelector('Literal.arguments')}`,
      message: gateMessage,
    },
  ],
  'no-restricted-globals': [
    'error',
    {
      name: 'fetch',
      message:
        'HTTP leaves through src/platform/outbound: the guard for what users name, the providers’ pool for src/ai.',
    },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'globalThis', property: 'fetch', message: 'HTTP leaves through src/platform/outbound.' },
    { property: 'createRequire', message: gateMessage },
  ],
};

export default defineConfig(
  globalIgnores([
    'dist/',
    '.test-build/',
    '.test-build-*/',
    'web/dist/',
    'node_modules/',
    'data/',
    'coverage/',
    'migrations/',
  ]),

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,

  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      // Promises: the bugs that matter in a Fastify service.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, allowDefaultCaseForExhaustiveSwitch: true },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',

      // Noise in a normal Fastify/Drizzle codebase (async handlers/hooks without await are idiomatic).
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },

  // The model gate: nothing outside src/ai loads a provider's package, and no server code but
  // src/platform/outbound makes HTTP requests of its own.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/ai/**', 'src/platform/outbound/**'],
    rules: modelGateRules,
  },

  // Tests: mocks, fixtures and JSON bodies are untyped by nature.
  {
    files: ['**/*.test.ts', '**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },

  // Plain JS config files are not in any tsconfig: lint them without type information.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
  },

  // The widget's loader and panel run in visitors' browsers, as plain scripts (web/widget/).
  {
    files: ['web/widget/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'navigator',
          'location',
          'localStorage',
          'parent',
          'crypto',
          'TextDecoderStream',
          'FormData',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
