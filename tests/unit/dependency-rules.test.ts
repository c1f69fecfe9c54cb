import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The dependency rules in `.dependency-cruiser.cjs` (docs/architecture.md) bite: one probe file per rule is
 * planted in the tree, dependency-cruiser runs on them with the project config, and each probe is reported
 * under its own rule. The probes are removed whatever happens; their names (`__dependency_rule_probe_*__`)
 * are in .gitignore, so a file left behind by a killed run is easy to spot and never committed.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const depcruiseBin = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}
interface CruiseOutput {
  summary: { violations: Violation[]; error: number; totalCruised: number };
}

/** Runs the depcruise CLI as `npm run lint` does (same config), with JSON output and no cache. */
function depcruise(paths: string[]): CruiseOutput {
  const run = spawnSync(
    process.execPath,
    [depcruiseBin, ...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', '--no-cache'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  if (!run.stdout) throw new Error(`depcruise produced no output (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as CruiseOutput;
}

/** The folders `npm run lint` cruises, read from the lint script so the two cannot drift apart. */
function lintedFolders(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { lint: string } };
  const args = pkg.scripts.lint.match(/depcruise\s+(.*?)\s+--/)?.[1];
  if (!args) throw new Error(`the lint script does not run depcruise: ${pkg.scripts.lint}`);
  return args.split(/\s+/);
}

const probe = (dir: string, rule: string) => `${dir}/__dependency_rule_probe_${rule}__.ts`;

/** One planted import per rule: the file, what it imports, and the rule that must report it. */
const probes = [
  {
    rule: 'no-cross-domain-imports',
    file: probe('domains/orders', 'no-cross-domain-imports'),
    source: "import * as inventory from '../inventory/model.js';\nexport { inventory };\n",
    to: 'domains/inventory/model.ts',
  },
  {
    rule: 'shared-imports-no-domain',
    file: probe('shared', 'shared-imports-no-domain'),
    source: "import * as orders from '../domains/orders/model.js';\nexport { orders };\n",
    to: 'domains/orders/model.ts',
  },
  {
    rule: 'events-import-nothing-of-ours',
    file: probe('events', 'events-import-nothing-of-ours'),
    source: "import * as errors from '../shared/errors.js';\nexport { errors };\n",
    to: 'shared/errors.ts',
  },
  {
    rule: 'not-to-functions',
    file: probe('client', 'not-to-functions'),
    source: "import { route } from '../functions/views/list-orders.js';\nexport { route };\n",
    to: 'functions/views/list-orders.ts',
  },
  {
    rule: 'not-to-functions',
    file: probe('domains/orders', 'not-to-functions'),
    source: "import * as handler from '../../functions/orders/place-order.js';\nexport { handler };\n",
    to: 'functions/orders/place-order.ts',
  },
  {
    rule: 'domain-imports-no-lambda-types',
    file: probe('domains/orders', 'domain-imports-no-lambda-types'),
    source: "import type { Context } from 'aws-lambda';\nexport type Probe = Context;\n",
    to: 'node_modules/@types/aws-lambda/index.d.ts',
  },
  {
    rule: 'domain-imports-no-handler-code',
    file: probe('domains/orders', 'domain-imports-no-handler-code'),
    source: "import { httpHandler } from '../../shared/http/handler.js';\nexport { httpHandler };\n",
    to: 'shared/http/handler.ts',
  },
  {
    rule: 'domain-aws-sdk-only-in-adapters',
    file: probe('domains/orders', 'domain-aws-sdk-only-in-adapters'),
    source: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport { DynamoDBClient };\n",
    to: 'node_modules/@aws-sdk/client-dynamodb/',
  },
  {
    rule: 'zod-through-events-zod',
    file: probe('domains/orders', 'zod-through-events-zod'),
    source: "import * as z from 'zod';\nexport const probe = z.string();\n",
    to: 'node_modules/zod/',
  },
  {
    rule: 'no-circular-imports',
    file: probe('domains/orders', 'no-circular-imports'),
    source:
      "import * as itself from './__dependency_rule_probe_no-circular-imports__.js';\nexport { itself };\n",
    to: 'domains/orders/__dependency_rule_probe_no-circular-imports__.ts',
  },
  {
    rule: 'not-to-unresolvable',
    file: probe('shared', 'not-to-unresolvable'),
    source: "import * as missing from './no-such-module-anywhere.js';\nexport { missing };\n",
    to: './no-such-module-anywhere.js',
  },
];

const removeProbes = () => {
  for (const { file } of probes) rmSync(join(root, file), { force: true });
};

describe('dependency rules (.dependency-cruiser.cjs, run by npm run lint)', () => {
  it('the real tree breaks none of them', () => {
    const result = depcruise(lintedFolders());
    expect(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(300);
  }, 60_000);

  describe('a planted import that breaks a rule is reported under that rule', () => {
    let violations: Violation[] = [];

    beforeAll(() => {
      try {
        for (const { file, source } of probes) {
          mkdirSync(dirname(join(root, file)), { recursive: true });
          writeFileSync(join(root, file), source);
        }
        violations = depcruise(probes.map((p) => p.file)).summary.violations;
      } finally {
        removeProbes();
      }
    }, 60_000);
    afterAll(removeProbes);

    it.each(probes)('$rule: $file', ({ rule, file, to }) => {
      const reported = violations.filter((v) => v.from === file);
      expect(reported.map((v) => v.rule)).toEqual([{ name: rule, severity: 'error' }]);
      expect(reported[0]?.to).toContain(to);
    });

    it('every rule in the config has a probe', () => {
      const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as {
        forbidden: { name: string }[];
      };
      expect(new Set(config.forbidden.map((r) => r.name))).toEqual(new Set(probes.map((p) => p.rule)));
    });
  });
});
