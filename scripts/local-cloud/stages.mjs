/**
 * The offline stages (local, test, bench, drill, …) as scripts/local-cloud/stages.json declares them: the ports
 * of each stage's local cloud and how it behaves. The one reader of that file for the scripts and the tests;
 * serverless.yml reads the same file through `${file(...)}`.
 *
 * Plain ESM + JSDoc: loaded by the Serverless CLI without a TypeScript compiler.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `scripts/local-cloud/stages.json`. */
export const STAGES_FILE = fileURLToPath(new URL('./stages.json', import.meta.url));

/**
 * One offline stage. Every port is on 127.0.0.1.
 * @typedef {object} Stage
 * @property {number} httpPort the HTTP API (serverless-offline)
 * @property {number} lambdaPort serverless-offline's Lambda Invoke endpoint
 * @property {number} dynamodbPort DynamoDB Local
 * @property {number} sqsPort the SQS emulator (fauxqs)
 * @property {number} eventBusPort the EventBridge emulator (event-bus.mjs)
 * @property {number} issuerPort the dev JWT issuer (dev-issuer.mjs)
 * @property {number} paymentSandboxPort the payment provider sandbox (payment-sandbox.mjs)
 * @property {number} kmsPort the KMS emulator (kms.mjs)
 * @property {number} sesPort the SES mail capture (ses.mjs)
 * @property {number} webPort the web client (static-site.mjs)
 * @property {string} audience the `aud` of the stage's tokens, and its JWT authorizer's audience
 * @property {boolean} persistData DynamoDB data, mail and the bus archive survive a restart (else cleared)
 * @property {boolean} seedDemoCatalog seed the demo catalog (seed.json) on the first start
 * @property {number[]} [asyncRetryDelaysSeconds] spacing of Lambda's async retries (default AWS's ~60, ~120 s)
 */

const PORTS = /** @type {const} */ ([
  'httpPort',
  'lambdaPort',
  'dynamodbPort',
  'sqsPort',
  'eventBusPort',
  'issuerPort',
  'paymentSandboxPort',
  'kmsPort',
  'sesPort',
  'webPort',
]);

/**
 * Every offline stage, by name; throws naming the stage and the field when one is malformed.
 * @param {string} [file] stages.json unless a test names another file
 * @returns {Record<string, Stage>}
 */
export function readStages(file = STAGES_FILE) {
  /** @type {Record<string, Record<string, unknown>>} */
  const stages = JSON.parse(readFileSync(file, 'utf8'));
  for (const [name, stage] of Object.entries(stages)) {
    /** @param {string} field @param {string} expected */
    const malformed = (field, expected) =>
      new Error(`${file}: stage "${name}" has no valid ${field} (${expected})`);
    for (const field of PORTS) {
      const port = stage[field];
      if (!Number.isInteger(port) || /** @type {number} */ (port) < 1 || /** @type {number} */ (port) > 65535)
        throw malformed(field, 'a TCP port');
    }
    if (typeof stage.audience !== 'string' || stage.audience === '') throw malformed('audience', 'a string');
    for (const field of ['persistData', 'seedDemoCatalog']) {
      if (typeof stage[field] !== 'boolean') throw malformed(field, 'true or false');
    }
    const delays = stage.asyncRetryDelaysSeconds;
    if (
      delays !== undefined &&
      !(Array.isArray(delays) && delays.every((d) => typeof d === 'number' && d >= 0))
    )
      throw malformed('asyncRetryDelaysSeconds', 'a list of seconds');
  }
  return /** @type {Record<string, Stage>} */ (/** @type {unknown} */ (stages));
}

/**
 * Whether `name` is an offline stage (it then runs on the local cloud).
 * @param {string} name
 */
export function isOfflineStage(name) {
  return Object.hasOwn(readStages(), name);
}

/**
 * One offline stage; throws naming the known stages when it does not exist.
 * @param {string} name
 * @returns {Stage}
 */
export function stageOf(name) {
  const stages = readStages();
  const stage = Object.hasOwn(stages, name) ? stages[name] : undefined;
  if (!stage) throw new Error(`Unknown stage "${name}" (known: ${Object.keys(stages).join(', ')})`);
  return stage;
}
