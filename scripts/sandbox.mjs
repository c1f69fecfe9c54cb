#!/usr/bin/env node
/**
 * Controls the local payment sandbox of a running stack (`npm start`, or the test stack):
 *
 *   npm run sandbox -- outage on|off|timeout|error|status [--only authorize,capture,void,refund] [--stage local|test]
 *   npm run sandbox -- ledger [--order <orderId>] [--stage local|test]
 *
 * `on` is `timeout`: every provider call hangs ~10 s and is then answered 504, so the payments circuit
 * breaker opens; `error` answers 503 at once. `--only capture` takes only those operations out (orders are
 * authorized and confirmed, their captures wait for the retrier). Errors go to stderr with exit code 2.
 */
import { parseArgs } from 'node:util';
import { readStages } from './local-cloud/stages.mjs';

const USAGE = [
  'usage: npm run sandbox -- outage on|off|timeout|error|status [--only authorize,capture,void,refund] [--stage local|test]',
  '       npm run sandbox -- ledger [--order <orderId>] [--stage local|test]',
].join('\n');
/** @type {Record<string, 'off' | 'timeout' | 'error'>} */
const MODES = { on: 'timeout', off: 'off', timeout: 'timeout', error: 'error' };

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  process.stderr.write(`sandbox: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        stage: { type: 'string', default: 'local' },
        order: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

/** @param {string} stage */
function sandboxUrl(stage) {
  const stages = readStages();
  const port = Object.hasOwn(stages, stage) ? stages[stage]?.paymentSandboxPort : undefined;
  if (!port) return fail(`unknown stage "${stage}" (known: ${Object.keys(stages).join(', ')})`);
  return `http://127.0.0.1:${port}`;
}

/**
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
async function request(url, init) {
  let response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    return fail(
      `the payment sandbox at ${new URL(url).origin} is not reachable (${error instanceof Error ? error.message : error}); is the stack running?`,
    );
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) return fail(`${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** @param {{ mode: string, operations?: string[] }} outage */
function describeOutage({ mode, operations }) {
  return operations ? `${mode} (${operations.join(', ')} only)` : mode;
}

async function main() {
  const { values, positionals } = parseCommandLine();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const base = sandboxUrl(values.stage);
  const [command, argument] = positionals;
  if (command === 'outage') {
    if (!argument) return fail('missing on|off|timeout|error|status');
    if (argument === 'status') {
      const outage = await request(`${base}/_sandbox/outage`);
      process.stdout.write(`payment sandbox (${values.stage}) outage: ${describeOutage(outage)}\n`);
      return;
    }
    const mode = Object.hasOwn(MODES, argument) ? MODES[argument] : undefined;
    if (!mode) return fail(`unknown outage mode "${argument}"`);
    const operations = values.only?.split(',').map((operation) => operation.trim());
    const result = await request(`${base}/_sandbox/outage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode, operations }),
    });
    process.stdout.write(`payment sandbox (${values.stage}) outage: ${describeOutage(result)}\n`);
    return;
  }
  if (command === 'ledger') {
    const query = values.order ? `?${new URLSearchParams({ orderId: values.order })}` : '';
    process.stdout.write(`${JSON.stringify(await request(`${base}/_sandbox/ledger${query}`), null, 2)}\n`);
    return;
  }
  fail(command ? `unknown command "${command}"` : 'missing command');
}

await main();
