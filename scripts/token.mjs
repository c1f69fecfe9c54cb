#!/usr/bin/env node
/**
 * Prints a token that the local API (patched serverless-offline JWT authorizer) accepts, and nothing else:
 *
 *   npm run --silent token -- <userId> [--admin] [--stage local|test] [--expires-in 15m] [--email a@b.c]
 *
 * The token is signed with the stage's dev issuer key (`.local/<stage>/auth/`, created if missing), so the
 * dev issuer does not need to be running. Errors go to stderr with exit code 2.
 */
import { parseArgs } from 'node:util';
import { issuerUrlForStage, keysDirForStage, signDevToken } from './local-cloud/dev-issuer.mjs';
import { readStages } from './local-cloud/stages.mjs';

const USAGE =
  'usage: npm run --silent token -- <userId> [--admin] [--stage local|test] [--expires-in 15m] [--email <email>]';

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  process.stderr.write(`token: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        admin: { type: 'boolean' },
        stage: { type: 'string' },
        'expires-in': { type: 'string' },
        email: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}

async function main() {
  const { values, positionals } = parseCommandLine();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const userId = positionals[0];
  if (!userId?.trim()) return fail('missing <userId>');
  if (positionals.length > 1) return fail(`unexpected arguments: ${positionals.slice(1).join(' ')}`);

  const stage = values.stage ?? 'local';
  const stages = readStages();
  const config = Object.hasOwn(stages, stage) ? stages[stage] : undefined;
  if (!config) return fail(`unknown stage "${stage}" (known: ${Object.keys(stages).join(', ')})`);

  try {
    const token = await signDevToken({
      keysDir: keysDirForStage(stage),
      issuer: issuerUrlForStage(stage),
      audience: config.audience,
      userId,
      admin: values.admin ?? false,
      expiresIn: values['expires-in'] ?? '1h',
      ...(values.email ? { email: values.email } : {}),
    });
    process.stdout.write(`${token}\n`);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

await main();
