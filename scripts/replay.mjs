#!/usr/bin/env node
/**
 * Re-delivers stored events from the event store to one consumer function, in the order they occurred:
 *
 *   npm run replay -- --consumer <functionKey> [--stage local|test|<aws stage>] [--from <ISO>] [--to <ISO>]
 *                     [--type <detail-type>]... [--aggregate <id>] [--dry-run] [--reset-views]
 *
 * - Events come from the event store table (`commerce-<stage>-event-store-v2`, read with a Scan), each item
 *   holding the original bus event under `event`. They are sent unchanged, one Lambda Invoke each,
 *   sorted by `occurredAt`, to `commerce-<stage>-<functionKey>`; to a consumer fed by its own queue
 *   (`busQueue`), each as the one record of an SQS batch.
 * - Only events the consumer's own EventBridge rules match are sent (its patterns in
 *   functions/<domain>/serverless.yml), as the bus would have delivered them; `--type` and `--aggregate`
 *   narrow that down, `--from` (inclusive) and `--to` (exclusive) bound `occurredAt`.
 * - `--reset-views` (only with `--consumer viewsProjectOrders`) deletes every item of the views table
 *   first, so the read model is rebuilt from scratch.
 * - `--dry-run` lists what would be sent and sends nothing (nor resets anything).
 * - Every offline stage of scripts/local-cloud/stages.json (local, test, bench, drill) talks to the local
 *   cloud; any other stage uses AWS (see scripts/stage-clients.mjs).
 *
 * Progress goes to stderr, the summary to stdout. Exit code 1 if any invocation failed (or the replay
 * could not run), 2 for a usage error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { parse as parseYaml } from 'yaml';
import { matchesEventPattern } from './local-cloud/event-pattern.mjs';
import { invokeOnce, namesFor, scanItems, stageClients } from './stage-clients.mjs';

/**
 * @typedef {import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient} DynamoDBDocumentClient
 * @typedef {import('@aws-sdk/client-lambda').LambdaClient} LambdaClient
 */

export { invokeOnce };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROGRESS_EVERY = 50;
const BATCH_WRITE_LIMIT = 25;

/**
 * Consumers whose read model `--reset-views` may wipe before a rebuild: their table and its key.
 * @type {Record<string, { table: string, key: string[] }>}
 */
export const RESETTABLE_CONSUMERS = { viewsProjectOrders: { table: 'views', key: ['pk', 'sk'] } };

export const USAGE = [
  'usage: npm run replay -- --consumer <functionKey> [--stage local|test|<aws stage>]',
  '         [--from <ISO>] [--to <ISO>] [--type <detail-type>]... [--aggregate <id>] [--dry-run] [--reset-views]',
  '  --from is inclusive, --to exclusive; --type may be repeated; --reset-views only with --consumer',
  `  ${Object.keys(RESETTABLE_CONSUMERS).join(' | ')}`,
].join('\n');

export class UsageError extends Error {}

/**
 * @typedef {object} ReplayOptions
 * @property {string} consumer function key, e.g. `viewsProjectOrders`
 * @property {string} stage
 * @property {string} [from] ISO-8601, inclusive
 * @property {string} [to] ISO-8601, exclusive
 * @property {string[]} types detail-types; empty means every type the consumer's rules match
 * @property {string} [aggregate]
 * @property {boolean} dryRun
 * @property {boolean} resetViews
 */

/**
 * The event as the bus delivered it.
 * @typedef {{ id: string, source: string, 'detail-type': string, detail: Record<string, unknown> }} BusEvent
 */

/**
 * @typedef {object} StoredEvent an item of the event store
 * @property {BusEvent} event the original bus event, unchanged
 * @property {string} eventId
 * @property {string} occurredAt
 * @property {string} eventType
 * @property {string} [aggregateId]
 * @property {string} [correlationId]
 */

/**
 * @typedef {object} Output
 * @property {(text: string) => void} out the summary and the dry-run listing
 * @property {(text: string) => void} err progress and warnings
 */

/**
 * @param {string} name
 * @param {string | undefined} value
 */
function checkTime(name, value) {
  if (value !== undefined && Number.isNaN(Date.parse(value))) {
    throw new UsageError(`--${name} "${value}" is not an ISO-8601 date-time`);
  }
}

/**
 * Parses the command line; throws UsageError on anything wrong.
 * @param {string[]} argv the arguments after the script name
 * @returns {ReplayOptions | 'help'}
 */
export function parseReplayArgs(argv) {
  /** @type {ReturnType<typeof parse>} */
  let parsed;
  function parse() {
    return parseArgs({
      args: argv,
      options: {
        consumer: { type: 'string' },
        stage: { type: 'string', default: 'local' },
        from: { type: 'string' },
        to: { type: 'string' },
        type: { type: 'string', multiple: true, default: [] },
        aggregate: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'reset-views': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return 'help';
  if (!values.consumer) throw new UsageError('--consumer <functionKey> is required');
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(values.consumer)) {
    throw new UsageError(`--consumer "${values.consumer}" is not a function key (e.g. viewsProjectOrders)`);
  }
  if (!/^[a-z0-9-]{1,32}$/.test(values.stage))
    throw new UsageError(`--stage "${values.stage}" is not a stage`);
  checkTime('from', values.from);
  checkTime('to', values.to);
  if (values.from && values.to && Date.parse(values.from) >= Date.parse(values.to)) {
    throw new UsageError('--from must be before --to');
  }
  if (values.type.some((type) => type.trim() === '')) throw new UsageError('--type needs a detail-type');
  if (values['reset-views'] && !Object.hasOwn(RESETTABLE_CONSUMERS, values.consumer)) {
    throw new UsageError(
      `--reset-views only rebuilds a read model: use it with --consumer ${Object.keys(RESETTABLE_CONSUMERS).join(' or ')}`,
    );
  }
  return {
    consumer: values.consumer,
    stage: values.stage,
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
    types: [...new Set(values.type)],
    ...(values.aggregate ? { aggregate: values.aggregate } : {}),
    dryRun: values['dry-run'],
    resetViews: values['reset-views'],
  };
}

/**
 * A consumer's definition, from the functions/<domain>/serverless.yml that defines it.
 * @param {string} functionKey
 * @param {string} root the project directory
 * @returns {{ domain: string, definition: any }}
 */
function consumerDefinition(functionKey, root) {
  const functionsDir = join(root, 'functions');
  for (const domain of readdirSync(functionsDir, { withFileTypes: true })) {
    if (!domain.isDirectory()) continue;
    let definitions;
    try {
      definitions = parseYaml(readFileSync(join(functionsDir, domain.name, 'serverless.yml'), 'utf8'));
    } catch {
      continue; // no serverless.yml there, or one being written: it cannot define our consumer
    }
    const definition = definitions?.[functionKey];
    if (definition) return { domain: domain.name, definition };
  }
  throw new UsageError(`no function "${functionKey}" in functions/*/serverless.yml`);
}

/**
 * The event patterns of a consumer's EventBridge rules: its `eventBridge` events, or the patterns of its
 * `busQueue` (rules that feed its own queue). Throws if no such function exists or no rule feeds it (a
 * FIFO consumer is replayed through the forwarder that feeds its queue).
 * @param {string} functionKey
 * @param {string} [root] the project directory
 * @returns {unknown[]}
 */
export function consumerPatterns(functionKey, root = ROOT) {
  const { domain, definition } = consumerDefinition(functionKey, root);
  /** @type {unknown[]} */
  const patterns = [
    ...(definition.events ?? []).flatMap((/** @type {any} */ event) =>
      event?.eventBridge?.pattern ? [event.eventBridge.pattern] : [],
    ),
    ...(definition.busQueue?.patterns ?? []),
  ];
  if (patterns.length === 0) {
    throw new UsageError(
      `${functionKey} (functions/${domain}/serverless.yml) is not the target of an EventBridge rule: ` +
        'replay into the function its rule invokes',
    );
  }
  return patterns;
}

/**
 * Whether the consumer receives its events in batches from its own queue (`busQueue`): each replayed
 * event is then handed over as a one-record SQS batch, as Lambda's queue mapping would.
 * @param {string} functionKey
 * @param {string} [root] the project directory
 */
export function receivesQueueBatches(functionKey, root = ROOT) {
  return Boolean(consumerDefinition(functionKey, root).definition.busQueue);
}

/**
 * A stored bus event as the one record of an SQS batch.
 * @param {any} event
 */
export function asQueueBatch(event) {
  return {
    Records: [
      {
        messageId: `replay-${event?.id ?? 'event'}`,
        receiptHandle: 'replay',
        body: JSON.stringify(event),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'replay',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:replay',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

/**
 * Reads the event store with a Scan (every page); type and aggregate are filtered by DynamoDB.
 * @param {DynamoDBDocumentClient} dynamo
 * @param {string} tableName
 * @param {Pick<ReplayOptions, 'types' | 'aggregate'>} filter
 * @returns {Promise<Record<string, any>[]>}
 */
export async function scanEventStore(dynamo, tableName, filter) {
  /** @type {string[]} */
  const conditions = [];
  /** @type {Record<string, string>} */
  const names = {};
  /** @type {Record<string, string>} */
  const values = {};
  if (filter.types.length > 0) {
    names['#type'] = 'eventType';
    filter.types.forEach((type, index) => {
      values[`:type${index}`] = type;
    });
    conditions.push(`#type IN (${filter.types.map((_, index) => `:type${index}`).join(', ')})`);
  }
  if (filter.aggregate) {
    names['#aggregate'] = 'aggregateId';
    values[':aggregate'] = filter.aggregate;
    conditions.push('#aggregate = :aggregate');
  }
  return scanItems(dynamo, {
    TableName: tableName,
    ...(conditions.length > 0
      ? {
          FilterExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }
      : {}),
  });
}

/**
 * @param {Record<string, any>} item
 * @returns {item is StoredEvent}
 */
function isStoredEvent(item) {
  const event = item.event;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.source === 'string' &&
    typeof event['detail-type'] === 'string' &&
    typeof event.detail === 'object' &&
    typeof item.occurredAt === 'string' &&
    !Number.isNaN(Date.parse(item.occurredAt))
  );
}

/**
 * The events to deliver, in order of occurrence: well-formed, inside the time window, of the requested
 * types and aggregate, and matched by one of the consumer's rule patterns.
 * @param {Record<string, any>[]} items what the Scan returned
 * @param {Pick<ReplayOptions, 'from' | 'to' | 'types' | 'aggregate'>} options
 * @param {unknown[]} patterns
 * @returns {{ events: StoredEvent[], malformed: Record<string, any>[] }}
 */
export function selectEvents(items, options, patterns) {
  const from = options.from ? Date.parse(options.from) : Number.NEGATIVE_INFINITY;
  const to = options.to ? Date.parse(options.to) : Number.POSITIVE_INFINITY;
  /** @type {Record<string, any>[]} */
  const malformed = [];
  /** @type {{ event: StoredEvent, at: number }[]} */
  const selected = [];
  for (const item of items) {
    if (!isStoredEvent(item)) {
      malformed.push(item);
      continue;
    }
    const at = Date.parse(item.occurredAt);
    if (at < from || at >= to) continue;
    if (options.types.length > 0 && !options.types.includes(item.eventType)) continue;
    if (options.aggregate !== undefined && item.aggregateId !== options.aggregate) continue;
    if (!patterns.some((pattern) => matchesEventPattern(pattern, item.event))) continue;
    selected.push({ event: item, at });
  }
  selected.sort((a, b) => a.at - b.at || String(a.event.eventId).localeCompare(String(b.event.eventId)));
  return { events: selected.map(({ event }) => event), malformed };
}

/**
 * Deletes every item of a table (Scan of its keys, BatchWriteItem of 25, unprocessed items retried).
 * @param {DynamoDBDocumentClient} dynamo
 * @param {string} tableName
 * @param {string[]} keyAttributes
 * @returns {Promise<number>} how many items were deleted
 */
export async function emptyTable(dynamo, tableName, keyAttributes) {
  let deleted = 0;
  /** @type {Record<string, any> | undefined} */
  let startKey;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: keyAttributes.map((_, index) => `#k${index}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(
          keyAttributes.map((name, index) => [`#k${index}`, name]),
        ),
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = page.Items ?? [];
    for (let start = 0; start < keys.length; start += BATCH_WRITE_LIMIT) {
      /** @type {any[] | undefined} */
      let requests = keys.slice(start, start + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; requests && requests.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
        if (attempt > 10) throw new Error(`could not delete ${requests.length} item(s) of ${tableName}`);
        /** @type {import('@aws-sdk/lib-dynamodb').BatchWriteCommandOutput} */
        const result = await dynamo.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = result.UnprocessedItems?.[tableName];
      }
      deleted += Math.min(BATCH_WRITE_LIMIT, keys.length - start);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}

/** @param {StoredEvent} stored */
const describeEvent = (stored) =>
  `${stored.occurredAt}  ${stored.event['detail-type']}  ${stored.aggregateId ?? '-'}  ${stored.eventId}`;

/**
 * @typedef {object} ReplaySummary
 * @property {string} functionName
 * @property {number} selected events that matched
 * @property {number} delivered invocations that succeeded
 * @property {{ eventId: string, error: string }[]} failed invocations that failed
 * @property {number} malformed store items without a usable event
 * @property {number | undefined} reset items deleted by --reset-views
 */

/**
 * The replay itself, with its clients and the consumer's patterns given.
 * @param {ReplayOptions} options
 * @param {{ dynamo: DynamoDBDocumentClient, lambda: LambdaClient, patterns: unknown[], output: Output, viaQueue?: boolean }} deps
 *   `viaQueue`: the consumer takes SQS batches (`receivesQueueBatches`)
 * @returns {Promise<ReplaySummary>}
 */
export async function replay(options, { dynamo, lambda, patterns, output, viaQueue = false }) {
  const names = namesFor(options.stage);
  const functionName = names.functionName(options.consumer);
  const items = await scanEventStore(dynamo, names.eventStoreTable, options);
  const { events, malformed } = selectEvents(items, options, patterns);
  for (const item of malformed) {
    output.err(
      `replay: skipping a store item without a usable event: ${JSON.stringify(item).slice(0, 200)}\n`,
    );
  }
  /** @type {ReplaySummary} */
  const summary = {
    functionName,
    selected: events.length,
    delivered: 0,
    failed: [],
    malformed: malformed.length,
    reset: undefined,
  };

  if (options.dryRun) {
    for (const stored of events) output.out(`${describeEvent(stored)}\n`);
    if (options.resetViews) output.err('replay: --reset-views ignored in a dry run\n');
    return summary;
  }
  const resettable = Object.hasOwn(RESETTABLE_CONSUMERS, options.consumer)
    ? RESETTABLE_CONSUMERS[options.consumer]
    : undefined;
  if (options.resetViews && resettable) {
    summary.reset = await emptyTable(dynamo, names.table(resettable.table), resettable.key);
    output.err(`replay: deleted ${summary.reset} item(s) of ${names.table(resettable.table)}\n`);
  }
  for (const [index, stored] of events.entries()) {
    const error = await invokeOnce(
      lambda,
      functionName,
      viaQueue ? asQueueBatch(stored.event) : stored.event,
    );
    if (error === undefined) summary.delivered++;
    else {
      summary.failed.push({ eventId: stored.eventId, error });
      output.err(`replay: ${describeEvent(stored)} failed: ${error}\n`);
    }
    if ((index + 1) % PROGRESS_EVERY === 0 || index + 1 === events.length) {
      const failures = summary.failed.length > 0 ? `, ${summary.failed.length} failed` : '';
      output.err(`replayed ${index + 1}/${events.length}${failures} …\n`);
    }
  }
  return summary;
}

/**
 * @param {ReplayOptions} options
 * @param {ReplaySummary} summary
 */
function summaryLine(options, summary) {
  const source = namesFor(options.stage).eventStoreTable;
  if (options.dryRun) {
    return `dry run: ${summary.selected} event(s) from ${source} would be sent to ${summary.functionName}; nothing sent`;
  }
  return (
    `replay: ${summary.selected} event(s) from ${source} to ${summary.functionName}: ` +
    `${summary.delivered} delivered, ${summary.failed.length} failed` +
    (summary.reset === undefined ? '' : `, ${summary.reset} view item(s) deleted first`) +
    (summary.malformed > 0 ? `, ${summary.malformed} unusable store item(s) skipped` : '')
  );
}

/**
 * The command line: returns the exit code (0 done, 1 failed invocations or replay error, 2 usage).
 * @param {string[]} argv
 * @param {Output} [output]
 * @returns {Promise<number>}
 */
export async function main(
  argv,
  output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
) {
  /** @type {ReplayOptions | 'help'} */
  let options;
  /** @type {unknown[]} */
  let patterns;
  let viaQueue = false;
  try {
    options = parseReplayArgs(argv);
    if (options === 'help') {
      output.out(`${USAGE}\n`);
      return 0;
    }
    patterns = consumerPatterns(options.consumer);
    viaQueue = receivesQueueBatches(options.consumer);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`replay: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const clients = stageClients(options.stage);
  const { dynamo, lambda } = clients;
  try {
    const summary = await replay(options, { dynamo, lambda, patterns, output, viaQueue });
    output.out(`${summaryLine(options, summary)}\n`);
    for (const failure of summary.failed) output.out(`  failed ${failure.eventId}: ${failure.error}\n`);
    return summary.failed.length > 0 ? 1 : 0;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const hint = clients.local ? ` (is the ${options.stage} stack running?)` : '';
    output.err(`replay: stopped: ${reason}${hint}\n`);
    return 1;
  } finally {
    clients.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
