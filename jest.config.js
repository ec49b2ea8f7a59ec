// CommonJS app under test. Jest's module loader cannot require() ES modules on Node 20,
// so ts-jest also transpiles the ESM-only packages we depend on (jose, @digitalbazaar/*, ...).
const esmOnly = [
  'jose', '@digitalbazaar', '@digitalcredentials', 'base58-universal', 'base64url-universal',
  'rdf-canonize', 'jsonld', 'credentials-context', 'ky', 'ky-universal', 'serialize-error',
  'data-uri-to-buffer', 'fetch-blob', 'formdata-polyfill', 'node-fetch', 'web-streams-polyfill',
].join('|');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
    '^.+\\.mjs$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Prints the attack suite's summary table (test/security) at the end of a run that included it.
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/env.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
