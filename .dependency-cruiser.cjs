// The dependency rules of docs/architecture.md ("the studs in the walls"), checked by `npm run lint`.
// Paths are relative to the repository root; `$1` in a `to` refers to the first group of the `from` path.
// tests/unit/dependency-rules.test.ts proves each rule reports a planted import.

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cross-domain-imports',
      severity: 'error',
      comment:
        'A domain never imports another domain: domains meet only through the contracts in events/ and ' +
        'over HTTP, and another domain’s data arrives as events kept as a local projection.',
      from: { path: '^domains/([^/]+)/' },
      to: { path: '^domains/', pathNot: '^domains/$1/' },
    },
    {
      name: 'shared-imports-no-domain',
      severity: 'error',
      comment:
        'shared/ holds mechanisms, not business rules: it never imports a domain (nor functions/, see ' +
        'not-to-functions).',
      from: { path: '^shared/' },
      to: { path: '^domains/' },
    },
    {
      name: 'events-import-nothing-of-ours',
      severity: 'error',
      comment:
        'events/ holds contracts only (schemas, types, samples) and imports nothing of ours outside events/: ' +
        'no domain, no function, not even shared/. Packages (zod) and node built-ins are fine.',
      from: { path: '^events/' },
      to: { pathNot: ['^events/', '(^|/)node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'not-to-functions',
      severity: 'error',
      comment:
        'Nothing imports functions/: handlers are entry points, so no product code (domains/, shared/, ' +
        'events/, client/) may depend on them. Exception, on purpose and only these two folders, neither ' +
        'of which is deployed: tests/ invoke the handlers, and scripts/ (the OpenAPI generator, the ' +
        'local cloud, the bench) load them or read the `route` each HTTP handler exports.',
      from: { pathNot: '^(functions|tests|scripts)/' },
      to: { path: '^functions/' },
    },
    {
      name: 'domain-imports-no-lambda-types',
      severity: 'error',
      comment:
        'A domain knows nothing of Lambda: no aws-lambda / @types/aws-lambda types, not even type-only. ' +
        'Parsing the Lambda event and mapping the answer is the thin handler’s job in functions/.',
      from: { path: '^domains/' },
      to: { path: '^(node_modules/)?(@types/)?aws-lambda(/|$)' },
    },
    {
      name: 'domain-imports-no-handler-code',
      severity: 'error',
      comment:
        'A domain never imports handler code: not the Lambda handler stacks in shared/ (httpHandler, the ' +
        'SQS consumer stacks, the outbox relay handler) nor middy. (Handlers themselves, functions/, are ' +
        'covered by not-to-functions.) A type-only import is allowed: it erases at compile time, so an ' +
        'adapter may implement a stack’s extension point, e.g. domains/inventory/adapters/stock-stream.ts ' +
        'returns the RelayedEvent[] that the outbox relay’s derive option takes.',
      from: { path: '^domains/' },
      to: {
        path: [
          '^shared/http/handler\\.ts$',
          '^shared/consumers/',
          '^shared/outbox/relay\\.ts$',
          '^node_modules/@middy/',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-aws-sdk-only-in-adapters',
      severity: 'error',
      comment:
        'Adapters are the only place an AWS SDK client appears inside a domain: model, use cases and ports ' +
        'stay pure and take their ports as arguments. Covers @aws-sdk/* and Powertools Parameters (which ' +
        'wraps the Secrets Manager / SSM clients).',
      from: { path: '^domains/[^/]+/', pathNot: '^domains/[^/]+/adapters/' },
      to: { path: ['^node_modules/@aws-sdk/', '^node_modules/@aws-lambda-powertools/parameters/'] },
    },
    {
      name: 'zod-through-events-zod',
      severity: 'error',
      comment:
        'Schemas come from events/zod.ts (zod/mini, English messages), never from zod directly: classic ' +
        'zod costs ~20 ms of every cold start, and only that module sets the language of the 400s.',
      from: { pathNot: '^events/zod\\.ts$' },
      to: { path: '^node_modules/zod/' },
    },
    {
      name: 'no-circular-imports',
      severity: 'error',
      comment:
        'Product modules form no import cycle: a cycle (payments once had model.ts and ports.ts import each ' +
        'other) means two files are one concept split in the wrong place, and makes load order matter.',
      from: { path: '^(domains|shared|events|functions)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'Every import must resolve: a path the cruiser cannot resolve is a path none of the rules above can ' +
        'judge, so an unresolved import would slip past them silently.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Imports written with .js that point at .ts files (moduleResolution Bundler) resolve through the
    // TypeScript config; type-only imports are kept (tsPreCompilationDeps) so `import type` counts.
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
