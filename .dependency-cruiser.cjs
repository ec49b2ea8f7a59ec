// Laurel's layering, checked in CI (`npm run depcheck`, issue 14). Modules are the folders under
// src/. Each exposes `index.ts` (use-cases and types); its HTTP adapter (`web.ts` or `web/index.ts`)
// is mounted only by the composition root, src/app. Type-only imports are erased at run time, so they
// count for the module boundaries but not for cycles.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-runtime-cycle',
      severity: 'error',
      comment: 'A runtime import cycle: modules must point one way (features -> kit, root -> features).',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-deep-import',
      severity: 'error',
      comment: "Import another module through its index.ts (its public use-cases and types), never a file inside it.",
      from: { path: '^src/([^/]+)/', pathNot: '^src/app/' },
      to: { path: '^src/([^/]+)/.+', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'root-imports-index-or-adapter',
      severity: 'error',
      comment: "The composition root imports a module's index.ts or its HTTP adapter (web.ts, web/index.ts), nothing deeper.",
      from: { path: '^src/app/' },
      to: {
        path: '^src/([^/]+)/.+',
        pathNot: ['^src/app/', '^src/[^/]+/index\\.ts$', '^src/[^/]+/web\\.ts$', '^src/[^/]+/web/index\\.ts$'],
      },
    },
    {
      name: 'entry-imports-index',
      severity: 'error',
      comment: "Top-level files (main, context, layout...) import modules through their index.ts.",
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: '^src/[^/]+/.+', pathNot: '^src/[^/]+/index\\.ts$' },
    },
    {
      name: 'adapters-mounted-by-root-only',
      severity: 'error',
      comment: "Only src/app mounts a module's HTTP adapter; other modules use its index.ts.",
      from: { path: '^src/([^/]+)/', pathNot: '^src/app/' },
      to: { path: ['^src/([^/]+)/web\\.ts$', '^src/([^/]+)/web/'], pathNot: '^src/$1/' },
    },
    {
      name: 'kit-knows-no-feature',
      severity: 'error',
      comment: 'The HTTP kit (src/http) is imported by features; it never imports one.',
      from: { path: '^src/http/' },
      to: {
        path: '^src/(analytics|app|badges|courses|credentials|events|lti|obapi|publishing|reach|rules|transcripts|ui|wallets)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-has-no-http',
      severity: 'error',
      comment: 'Pure domain logic (rules) does no I/O and knows no HTTP.',
      from: { path: '^src/rules/' },
      to: { path: ['^src/http/', '^src/app/', '^src/db/', '^src/queue/'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
