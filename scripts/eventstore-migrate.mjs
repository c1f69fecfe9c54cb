/**
 * `npm run eventstore:migrate -- --stage <stage> [--region <region>] [--apply]`: copies the first event
 * store's history (`<service>-<stage>-event-store`, keyed by event id) into the event store keyed by
 * correlation id (`<service>-<stage>-event-store-v2`; docs/decisions.md, entry 51).
 *
 * Each event is put only if the new store does not hold it yet: the copy never rewrites an event the live
 * appender stored first (nor its bus `time`), it is safe to run again, and safe while the stage takes
 * traffic. The first store is only read. Without `--apply` it only counts what it would copy.
 */
import { pathToFileURL } from 'node:url';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { applyCommandOptions, namesFor, scanAll, stageClients } from './stage-clients.mjs';

/** Puts in flight at once: well under a new on-demand table's first write capacity. */
const CONCURRENCY = 16;

export const USAGE = [
  'usage: npm run eventstore:migrate -- --stage <stage> [--region <region>] [--apply]',
  '  Counts (or, with --apply, copies) the events of the first event store that the event store keyed by',
  '  correlation id does not hold yet. Never overwrites; safe to run again and while the stage is live.',
].join('\n');

/**
 * @typedef {{ scanned: number, copied: number, alreadyThere: number, unkeyed: number }} MigrationSummary
 * @typedef {{ dynamo: import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient, progress?: (line: string) => void }} MigrationDeps
 */

/**
 * @param {MigrationDeps} deps
 * @param {{ from: string, to: string, apply: boolean }} options
 * @returns {Promise<MigrationSummary>}
 */
export async function migrateEventStore({ dynamo, progress = () => {} }, options) {
  /** @type {MigrationSummary} */
  const summary = { scanned: 0, copied: 0, alreadyThere: 0, unkeyed: 0 };
  /** @param {Record<string, any>} item */
  const copy = async (item) => {
    const key = { correlationId: item.correlationId, occurredAtEventId: item.occurredAtEventId };
    if (!options.apply) {
      const { Item } = await dynamo.send(
        new GetCommand({ TableName: options.to, Key: key, ProjectionExpression: 'correlationId' }),
      );
      summary[Item ? 'alreadyThere' : 'copied']++;
      return;
    }
    try {
      await dynamo.send(
        new PutCommand({
          TableName: options.to,
          Item: item,
          ConditionExpression: 'attribute_not_exists(correlationId)',
        }),
      );
      summary.copied++;
    } catch (error) {
      if (/** @type {{ name?: string }} */ (error).name !== 'ConditionalCheckFailedException') throw error;
      summary.alreadyThere++;
    }
  };
  progress(`reading ${options.from}, ${options.apply ? 'copying' : 'counting'} into ${options.to} …`);
  /** @type {Promise<void>[]} */
  let inFlight = [];
  for await (const item of scanAll(dynamo, { TableName: options.from })) {
    summary.scanned++;
    if (typeof item.correlationId !== 'string' || typeof item.occurredAtEventId !== 'string') {
      // Every appended event has both (domains/eventstore); an item without them is not an event.
      summary.unkeyed++;
      progress(`skipped item ${JSON.stringify(item.eventId ?? null)}: no correlationId or occurredAtEventId`);
      continue;
    }
    inFlight.push(copy(item));
    if (inFlight.length >= CONCURRENCY) {
      await Promise.all(inFlight);
      inFlight = [];
    }
    if (summary.scanned % 1000 === 0) progress(`${summary.scanned} events read …`);
  }
  await Promise.all(inFlight);
  return summary;
}

/**
 * @param {string[]} argv
 * @param {import('./stage-clients.mjs').CommandIo} io
 * @returns {Promise<number>}
 */
export async function main(argv, io = process) {
  const values = applyCommandOptions('eventstore:migrate', argv, USAGE, io);
  if (typeof values === 'number') return values;
  const names = namesFor(values.stage);
  const clients = stageClients(values.stage, values.region);
  try {
    const summary = await migrateEventStore(
      { dynamo: clients.dynamo, progress: (line) => io.stderr.write(`${line}\n`) },
      { from: names.legacyEventStoreTable, to: names.eventStoreTable, apply: values.apply },
    );
    const verb = values.apply ? 'copied' : 'would copy (run again with --apply)';
    io.stdout.write(
      `${verb}: ${summary.copied} of ${summary.scanned} event(s) from ${names.legacyEventStoreTable} to ` +
        `${names.eventStoreTable}; ${summary.alreadyThere} already there` +
        (summary.unkeyed ? `; ${summary.unkeyed} item(s) without an event's key skipped` : '') +
        '\n',
    );
    return summary.unkeyed ? 1 : 0;
  } catch (error) {
    io.stderr.write(`eventstore:migrate: ${/** @type {Error} */ (error).message}\n`);
    return 1;
  } finally {
    clients.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
