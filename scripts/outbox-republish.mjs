#!/usr/bin/env node
/**
 * Publishes a table's outbox entries of a time window to the stage's bus again:
 *
 *   npm run outbox:republish -- --table <orders | commerce-<stage>-orders> --from <ISO> [--to <ISO>]
 *                               [--stage local|test|<aws stage>] [--region R] [--dry-run]
 *
 * The recovery path when the outbox relay gave up on a stream batch (its on-failure destination, the
 * `outbox-relay-failures` queue, then holds a record with only the shard, sequence numbers and arrival
 * times, never the events; `npm run redrive -- outbox-relay-failures` prints this command for each).
 * - Reads the outbox items (entityType OUTBOX, see shared/outbox/record.ts) of the table with a Scan and
 *   keeps those whose event occurred in [--from, --to) (`envelope.metadata.occurredAt`; --to defaults to now).
 * - Puts them on `<service>-<stage>-bus` exactly as the relay does (same Source, DetailType, Detail and Time),
 *   in order of occurrence, at most 10 per PutEvents call. Entries PutEvents rejects (FailedEntryCount) or
 *   calls that fail are retried with backoff before the next chunk is sent; what still fails is reported.
 * - Safe to run more than once, or over a window wider than the lost batch: events keep their event ids, and
 *   every consumer is idempotent by event id. Its idempotency records last 7 days (shared/idempotency.ts): an
 *   event that consumers handled longer ago than that would be handled again, so a window reaching further
 *   back is warned about; keep it to the lost batches.
 * - Covers outbox items only. Events that are not written as outbox items are not republished by it.
 * - `--dry-run` lists the events and publishes nothing.
 * - Offline stages use the local cloud (scripts/local-cloud/stages.json); other stages AWS (--region, else
 *   AWS_REGION, else us-east-1).
 *
 * Progress goes to stderr, the summary and the dry-run listing to stdout. Exit 0 when every event was
 * published, 1 when some could not be (or the run could not start), 2 on a usage error.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { namesFor, scanItems, stageClients } from './stage-clients.mjs';

/**
 * @typedef {import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient} DynamoDBDocumentClient
 * @typedef {import('@aws-sdk/client-eventbridge').EventBridgeClient} EventBridgeClient
 * @typedef {import('@aws-sdk/client-eventbridge').PutEventsRequestEntry} PutEventsRequestEntry
 * @typedef {object} OutboxEvent an outbox item, as the relay reads it
 * @property {string} source
 * @property {{ metadata: { eventId: string, eventType: string, occurredAt: string, [key: string]: unknown }, data?: unknown }} envelope
 * @property {string} [traceHeader] the X-Ray trace header of the invocation that stored it
 * @typedef {object} RepublishOptions
 * @property {string} tableName
 * @property {string} eventBusName
 * @property {string} from ISO-8601, inclusive
 * @property {string} [to] ISO-8601, exclusive; default: now
 * @property {boolean} [dryRun]
 * @typedef {object} RepublishDeps
 * @property {DynamoDBDocumentClient} dynamo
 * @property {EventBridgeClient} eventBridge
 * @property {(line: string) => void} [progress]
 * @property {number} [retryBaseDelayMs] first pause before a retry, doubled each time (default 200)
 * @property {number} [attempts] PutEvents attempts per chunk (default 6)
 * @typedef {object} RepublishSummary
 * @property {string} tableName
 * @property {string} eventBusName
 * @property {string} from
 * @property {string} to
 * @property {number} selected outbox events in the window
 * @property {number} published
 * @property {{ eventId: string, error: string }[]} failed
 * @property {number} skipped outbox items without a usable event
 * @property {OutboxEvent[]} events the selected events, in order of occurrence
 */

/** The entity type of outbox items (shared/outbox/record.ts) that the relay's stream filter matches too. */
const OUTBOX_ENTITY_TYPE = 'OUTBOX';
const PUT_EVENTS_MAX_ENTRIES = 10;
const PUT_EVENTS_MAX_BYTES = 256 * 1024;
const MAX_DELAY_MS = 10_000;
/** How long consumers remember an event id (expiresAfterSeconds in shared/idempotency.ts). */
const IDEMPOTENCY_MS = 7 * 24 * 3600 * 1000;

export class UsageError extends Error {}

/** @param {unknown} error */
const messageOf = (error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `orders` → `<service>-<stage>-orders`; a full name of the stage is kept; another stage's table is refused,
 * because its events would land on this stage's bus.
 * @param {string} table
 * @param {{ service: string, prefix: string }} names
 */
export function tableNameOf(table, names) {
  if (!table.startsWith(`${names.service}-`)) return `${names.prefix}${table}`;
  if (!table.startsWith(names.prefix)) {
    throw new UsageError(
      `--table ${table} is not a table of this stage (its names start with ${names.prefix})`,
    );
  }
  return table;
}

/**
 * @param {Record<string, any>} item
 * @returns {item is OutboxEvent}
 */
function isOutboxEvent(item) {
  const metadata = item.envelope?.metadata;
  return (
    typeof item.source === 'string' &&
    typeof metadata?.eventId === 'string' &&
    typeof metadata.eventType === 'string' &&
    typeof metadata.occurredAt === 'string' &&
    !Number.isNaN(Date.parse(metadata.occurredAt))
  );
}

/**
 * The outbox events of the window, in order of occurrence (ties, e.g. the events of one transaction, by
 * event id, so two runs publish in the same order).
 * @param {DynamoDBDocumentClient} dynamo
 * @param {string} tableName
 * @param {{ from: string, to: string }} window ISO-8601 in UTC, as the envelopes store them
 */
export async function readOutbox(dynamo, tableName, { from, to }) {
  const items = await scanItems(dynamo, {
    TableName: tableName,
    // Envelopes store occurredAt as toISOString(), so the strings compare like the times.
    FilterExpression: '#type = :outbox AND #envelope.#metadata.#occurredAt BETWEEN :from AND :to',
    ExpressionAttributeNames: {
      '#type': 'entityType',
      '#envelope': 'envelope',
      '#metadata': 'metadata',
      '#occurredAt': 'occurredAt',
    },
    ExpressionAttributeValues: { ':outbox': OUTBOX_ENTITY_TYPE, ':from': from, ':to': to },
  });
  const [start, end] = [Date.parse(from), Date.parse(to)];
  /** @type {OutboxEvent[]} */
  const events = [];
  let skipped = 0;
  for (const item of items) {
    if (!isOutboxEvent(item)) {
      skipped++;
      continue;
    }
    const at = Date.parse(item.envelope.metadata.occurredAt);
    if (at >= start && at < end) events.push(item);
  }
  events.sort(
    (a, b) =>
      Date.parse(a.envelope.metadata.occurredAt) - Date.parse(b.envelope.metadata.occurredAt) ||
      a.envelope.metadata.eventId.localeCompare(b.envelope.metadata.eventId),
  );
  return { events, skipped };
}

/**
 * The PutEvents entry the relay (shared/outbox/relay.ts) builds for an outbox item.
 * @param {OutboxEvent} event
 * @param {string} eventBusName
 * @returns {PutEventsRequestEntry}
 */
export function entryOf(event, eventBusName) {
  return {
    EventBusName: eventBusName,
    Source: event.source,
    DetailType: event.envelope.metadata.eventType,
    Detail: JSON.stringify(event.envelope),
    Time: new Date(event.envelope.metadata.occurredAt),
    ...(event.traceHeader ? { TraceHeader: event.traceHeader } : {}),
  };
}

/** Entry size as EventBridge counts it: Time 14 bytes, Source, DetailType and Detail their UTF-8 bytes. */
const sizeOf = (/** @type {PutEventsRequestEntry} */ entry) =>
  14 + Buffer.byteLength(`${entry.Source}${entry.DetailType}${entry.Detail}`, 'utf8');

/**
 * Consecutive chunks that PutEvents accepts: at most 10 entries and 256 KB each.
 * @template {{ entry: PutEventsRequestEntry }} T
 * @param {T[]} items
 * @returns {T[][]}
 */
function chunksOf(items) {
  /** @type {T[][]} */
  const chunks = [];
  /** @type {T[]} */
  let chunk = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item.entry);
    if (
      chunk.length === PUT_EVENTS_MAX_ENTRIES ||
      (chunk.length > 0 && bytes + size > PUT_EVENTS_MAX_BYTES)
    ) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * Publishes one chunk, retrying what PutEvents rejects until it is accepted or the attempts are used up.
 * @param {RepublishDeps} deps
 * @param {{ eventId: string, entry: PutEventsRequestEntry }[]} chunk
 * @returns {Promise<{ eventId: string, error: string }[]>} what could not be published
 */
async function publishChunk(deps, chunk) {
  const attempts = deps.attempts ?? 6;
  let pending = chunk;
  /** @type {Map<string, string>} */
  let errors = new Map();
  for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
    if (attempt > 1) {
      const delay = Math.min(MAX_DELAY_MS, (deps.retryBaseDelayMs ?? 200) * 2 ** (attempt - 2));
      const reasons = [...new Set(errors.values())].join('; ');
      deps.progress?.(
        `PutEvents did not take ${pending.length} event(s) (${reasons}); retrying in ${delay} ms (attempt ${attempt}/${attempts})`,
      );
      await sleep(delay);
    }
    errors = new Map();
    try {
      const result = await deps.eventBridge.send(
        new PutEventsCommand({ Entries: pending.map(({ entry }) => entry) }),
      );
      pending.forEach(({ eventId }, index) => {
        const outcome = result.Entries?.[index];
        if (!outcome?.EventId || outcome.ErrorCode) {
          errors.set(eventId, `${outcome?.ErrorCode ?? 'no result'} ${outcome?.ErrorMessage ?? ''}`.trim());
        }
      });
    } catch (error) {
      for (const { eventId } of pending) errors.set(eventId, `PutEvents failed: ${messageOf(error)}`);
    }
    pending = pending.filter(({ eventId }) => errors.has(eventId));
  }
  return pending.map(({ eventId }) => ({ eventId, error: errors.get(eventId) ?? 'not published' }));
}

/**
 * The republish itself, with its clients given.
 * @param {RepublishDeps} deps
 * @param {RepublishOptions} options
 * @returns {Promise<RepublishSummary>}
 */
export async function republishOutbox(deps, options) {
  const from = new Date(options.from).toISOString();
  const to = new Date(options.to ?? Date.now()).toISOString();
  const { events, skipped } = await readOutbox(deps.dynamo, options.tableName, { from, to });
  /** @type {RepublishSummary} */
  const summary = {
    tableName: options.tableName,
    eventBusName: options.eventBusName,
    from,
    to,
    selected: events.length,
    published: 0,
    failed: [],
    skipped,
    events,
  };
  deps.progress?.(`${options.tableName}: ${events.length} outbox event(s) occurred in [${from}, ${to})`);
  if (Date.parse(from) < Date.now() - IDEMPOTENCY_MS) {
    deps.progress?.(
      'warning: the window reaches back further than consumers remember event ids (7 days): events they ' +
        'handled before that are handled again',
    );
  }
  if (options.dryRun) return summary;
  const entries = events.map((event) => ({
    eventId: event.envelope.metadata.eventId,
    entry: entryOf(event, options.eventBusName),
  }));
  for (const chunk of chunksOf(entries)) {
    const failed = await publishChunk(deps, chunk);
    summary.published += chunk.length - failed.length;
    summary.failed.push(...failed);
    const failures = summary.failed.length > 0 ? `, ${summary.failed.length} failed` : '';
    deps.progress?.(`published ${summary.published}/${events.length}${failures}`);
  }
  return summary;
}

/**
 * The command an operator runs for a window (what `npm run redrive` prints for a relay failure record).
 * @param {{ stage: string, table: string, from: string, to?: string }} window
 */
export function republishCommand({ stage, table, from, to }) {
  return `npm run outbox:republish -- --stage ${stage} --table ${table} --from ${from}${to ? ` --to ${to}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------------------

export const USAGE = [
  'usage: npm run outbox:republish -- --table <t> --from <ISO> [--to <ISO>] [--stage local|test|<aws stage>]',
  '         [--region R] [--dry-run]',
  '  <t>: a domain (orders) or a full table name of the stage (commerce-<stage>-orders)',
  '  publishes the outbox items (entityType OUTBOX) whose event occurred in [--from, --to) again, in order;',
  '  consumers are idempotent by event id. --to defaults to now.',
  "  Outbox items only: inventory's StockLevelChanged comes from its STOCK items' stream records, not from",
  '  outbox items, and is not republished (the next change of the product publishes its level again).',
].join('\n');

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
 * @param {string[]} argv
 * @returns {'help' | { table: string, from: string, to?: string, stage: string, region?: string, dryRun: boolean }}
 */
export function parseRepublishArgs(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        table: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        stage: { type: 'string', default: 'local' },
        region: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return 'help';
  if (!values.table) throw new UsageError('--table is required');
  if (!values.from) throw new UsageError('--from is required');
  if (!/^[a-z0-9-]{1,32}$/.test(values.stage))
    throw new UsageError(`--stage "${values.stage}" is not a stage`);
  checkTime('from', values.from);
  checkTime('to', values.to);
  if (Date.parse(values.from) >= (values.to ? Date.parse(values.to) : Date.now())) {
    throw new UsageError(`--from must be before ${values.to ? '--to' : 'now'}`);
  }
  return {
    table: values.table,
    from: values.from,
    ...(values.to ? { to: values.to } : {}),
    stage: values.stage,
    ...(values.region ? { region: values.region } : {}),
    dryRun: values['dry-run'],
  };
}

/**
 * The CLI: returns the exit code.
 * @param {string[]} argv
 * @param {{ stdout: { write(text: string): unknown }, stderr: { write(text: string): unknown } }} io
 * @returns {Promise<number>}
 */
export async function main(argv, io = process) {
  let options;
  let tableName;
  const names = (/** @type {string} */ stage) => namesFor(stage);
  try {
    options = parseRepublishArgs(argv);
    if (options === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    tableName = tableNameOf(options.table, names(options.stage));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`outbox:republish: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const clients = stageClients(options.stage, options.region);
  try {
    const summary = await republishOutbox(
      {
        dynamo: clients.dynamo,
        eventBridge: clients.eventBridge,
        progress: (line) => io.stderr.write(`${line}\n`),
      },
      {
        tableName,
        eventBusName: names(options.stage).eventBus,
        from: options.from,
        ...(options.to ? { to: options.to } : {}),
        dryRun: options.dryRun,
      },
    );
    if (summary.skipped > 0) {
      io.stderr.write(`skipped ${summary.skipped} outbox item(s) without a usable event\n`);
    }
    const window = `from ${summary.tableName} [${summary.from}, ${summary.to})`;
    if (options.dryRun) {
      for (const event of summary.events) {
        const { metadata } = event.envelope;
        io.stdout.write(
          `${metadata.occurredAt}  ${metadata.eventType}  ${event.source}  ${metadata.eventId}\n`,
        );
      }
      io.stdout.write(
        `dry run: ${summary.selected} event(s) ${window} would go to ${summary.eventBusName}\n`,
      );
      return 0;
    }
    io.stdout.write(
      `outbox:republish: ${summary.selected} event(s) ${window} to ${summary.eventBusName}: ` +
        `${summary.published} published, ${summary.failed.length} failed\n`,
    );
    for (const failure of summary.failed) io.stdout.write(`  failed ${failure.eventId}: ${failure.error}\n`);
    return summary.failed.length > 0 ? 1 : 0;
  } catch (error) {
    const hint = clients.local ? ` (is the ${options.stage} stack running?)` : '';
    io.stderr.write(`outbox:republish: stopped: ${messageOf(error)}${hint}\n`);
    return 1;
  } finally {
    clients.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
