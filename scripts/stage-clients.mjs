/**
 * What the operator scripts (`npm run replay`, `redrive`, `outbox:republish`) share about a stage: its
 * resource names, SDK clients pointed at the stage (the local cloud's emulators for every offline stage of
 * scripts/local-cloud/stages.json, AWS otherwise), and invoking a function the way each of them needs.
 *
 * On AWS the clients use the default credential chain; the region is `--region`, else AWS_REGION, else
 * us-east-1 like serverless.yml. The SDK's own AWS_ENDPOINT_URL_<SERVICE> variables still apply there,
 * which is how the tests point an "AWS" stage at emulators.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { PROJECT_ROOT } from './local-cloud/dev-issuer.mjs';
import { readStages } from './local-cloud/stages.mjs';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const LOCAL_REGION = 'us-east-1';

/** The `service:` of serverless.yml, the first part of every resource name. */
export function serviceName(root = PROJECT_ROOT) {
  const match = /^service:\s*([\w-]+)/m.exec(readFileSync(join(root, 'serverless.yml'), 'utf8'));
  if (!match?.[1]) throw new Error('serverless.yml has no `service:`');
  return match[1];
}

/**
 * Resource names of a stage, as serverless.yml derives them: `<service>-<stage>-<name>`.
 * @param {string} stage
 * @param {string} [service]
 */
export function namesFor(stage, service = serviceName()) {
  const prefix = `${service}-${stage}-`;
  return {
    service,
    prefix,
    eventBus: `${prefix}bus`,
    eventStoreTable: `${prefix}event-store-v2`,
    /** The first event store, read only by `npm run eventstore:migrate` (decisions.md, entry 51). */
    legacyEventStoreTable: `${prefix}event-store`,
    /** @param {string} functionKey */
    functionName: (functionKey) => `${prefix}${functionKey}`,
    /** @param {string} table */
    table: (table) => `${prefix}${table}`,
  };
}

/**
 * @typedef {object} StageClients
 * @property {boolean} local the stage runs on the local cloud
 * @property {SQSClient} sqs
 * @property {EventBridgeClient} eventBridge
 * @property {LambdaClient} lambda
 * @property {DynamoDBDocumentClient} dynamo
 * @property {() => void} destroy
 */

/**
 * SDK clients for a stage.
 * @param {string} stage
 * @param {string} [region] AWS stages only
 * @returns {StageClients}
 */
export function stageClients(stage, region) {
  // Every offline stage (local, test, bench, drill, …) runs on the emulators whose ports stages.json lists.
  const stages = readStages();
  const ports = Object.hasOwn(stages, stage) ? stages[stage] : undefined;
  /** @param {number} port */
  const local = (port) => ({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: `http://127.0.0.1:${port}`,
  });
  const aws = { region: region ?? process.env.AWS_REGION ?? 'us-east-1' };
  const raw = new DynamoDBClient(ports ? local(ports.dynamodbPort) : aws);
  const clients = {
    local: Boolean(ports),
    // fauxqs queue URLs name *.localhost hosts: an explicit endpoint sends every call to the emulator.
    sqs: new SQSClient(ports ? { ...local(ports.sqsPort), useQueueUrlAsEndpoint: false } : aws),
    eventBridge: new EventBridgeClient(ports ? local(ports.eventBusPort) : aws),
    lambda: new LambdaClient(ports ? local(ports.lambdaPort) : aws),
    dynamo: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
    destroy() {
      clients.sqs.destroy();
      clients.eventBridge.destroy();
      clients.lambda.destroy();
      raw.destroy();
    },
  };
  return clients;
}

/**
 * Every item of a Scan, page by page (a Scan answers at most 1 MB per call).
 * @param {DynamoDBDocumentClient} dynamo
 * @param {Omit<import('@aws-sdk/lib-dynamodb').ScanCommandInput, 'ExclusiveStartKey'>} input
 * @returns {AsyncGenerator<Record<string, any>>}
 */
export async function* scanAll(dynamo, input) {
  /** @type {Record<string, any> | undefined} */
  let startKey;
  do {
    const page = await dynamo.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey }));
    yield* page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/**
 * Every item of a Scan, in one array.
 * @param {DynamoDBDocumentClient} dynamo
 * @param {Omit<import('@aws-sdk/lib-dynamodb').ScanCommandInput, 'ExclusiveStartKey'>} input
 * @returns {Promise<Record<string, any>[]>}
 */
export async function scanItems(dynamo, input) {
  const items = [];
  for await (const item of scanAll(dynamo, input)) items.push(item);
  return items;
}

/**
 * Invokes the function once and waits for it; a function error (FunctionError, or the error payload that
 * serverless-offline answers without that header) or a record a queue consumer reports as failed
 * (batchItemFailures) is returned, a failure to invoke at all is thrown.
 * @param {LambdaClient} lambda
 * @param {string} functionName a name or an ARN
 * @param {unknown} event
 * @returns {Promise<string | undefined>} the function's error message, if it failed
 */
export async function invokeOnce(lambda, functionName, event) {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  const text = result.Payload ? new TextDecoder().decode(result.Payload) : '';
  /** @type {any} */
  let payload = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = text;
  }
  const errorPayload =
    payload && typeof payload === 'object' && 'errorMessage' in payload && 'errorType' in payload;
  if (result.FunctionError || errorPayload)
    return String(errorPayload ? `${payload.errorType}: ${payload.errorMessage}` : result.FunctionError);
  // A queue consumer answers a failed record in its batch response instead of failing the invocation.
  const failedRecords = payload && typeof payload === 'object' ? payload.batchItemFailures : undefined;
  if (Array.isArray(failedRecords) && failedRecords.length > 0)
    return `the function reported ${failedRecords.length} failed record(s) in its batchItemFailures`;
  return undefined;
}

/**
 * Hands the event to Lambda for an asynchronous invocation, as EventBridge and the scheduler do: Lambda
 * queues it and answers 202, and the function's own retry settings and on-failure destination apply again.
 * @param {LambdaClient} lambda
 * @param {string} functionName a name or an ARN
 * @param {unknown} event
 */
export async function invokeAsync(lambda, functionName, event) {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  if (result.StatusCode !== 202) throw new Error(`Invoke answered ${result.StatusCode}, not 202 (queued)`);
}

/**
 * @typedef {{ stdout: { write(text: string): unknown }, stderr: { write(text: string): unknown } }} CommandIo
 */

/**
 * The options of a command that changes a stage's data only when asked (`npm run scrub`,
 * `eventstore:migrate`): `--stage` (required), `--region`, `--apply`, `--help`. Returns them, or the exit
 * code once the usage (or what is wrong with the arguments) is printed: 0 for --help, 2 otherwise.
 * @param {string} command the name its messages start with
 * @param {string[]} argv
 * @param {string} usage
 * @param {CommandIo} io
 * @returns {{ stage: string, region?: string, apply: boolean } | number}
 */
export function applyCommandOptions(command, argv, usage, io) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stage: { type: 'string' },
        region: { type: 'string' },
        apply: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`${command}: ${/** @type {Error} */ (error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  if (!values.stage) {
    io.stderr.write(`${command}: --stage is required\n${usage}\n`);
    return 2;
  }
  return { stage: values.stage, region: values.region, apply: values.apply };
}
