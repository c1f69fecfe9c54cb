/**
 * `npm run scrub -- --stage <stage> [--region <r>] [--apply]`: removes what was stored in clear before
 * card tokens and contact details were sealed (decisions 22 and 28), from the stores that keep it:
 *
 * - the event store (no TTL, served by `GET /admin/events`): `OrderPlaced` v1 keeps its schema with the
 *   token replaced by `[redacted]`; `CustomerProfileUpdated` v1 loses its optional `name` and `email`.
 *   Replaying them stays valid: payments ignores an OrderPlaced it has seen, and a fresh payment built
 *   from a redacted one is declined rather than charged; contacts keep their newer versions.
 * - the payments table: a payment whose authorization is answered (or that was cancelled) loses the token
 *   payments kept before it started deleting it, conditioned on its version, which it bumps, so a consumer
 *   writing the same payment meanwhile retries on the scrubbed item instead of restoring the token.
 *
 * Outbox items are left alone: they expire within 15 days (TTL), and one not yet relayed still needs its
 * event. The EventBridge archive cannot be edited: its events age out with its retention (decision 22).
 * Without `--apply` it only counts what it would change.
 */
import { pathToFileURL } from 'node:url';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { applyCommandOptions, namesFor, scanAll, stageClients } from './stage-clients.mjs';

export const REDACTED = '[redacted]';

/** The event store's key (domains/eventstore/resources.yml), and that of the first one. */
const EVENT_STORE_KEY = ['correlationId', 'occurredAtEventId'];
const LEGACY_EVENT_STORE_KEY = ['eventId'];

/** Payment statuses in which the card token may still be needed (the authorization is not answered). */
const AUTHORIZATION_OPEN = ['PENDING', 'AWAITING_PROVIDER'];

export const USAGE = [
  'usage: npm run scrub -- --stage <stage> [--region <region>] [--apply]',
  '  Counts (or, with --apply, removes) card tokens and contact details stored in clear before they were',
  '  sealed: in the event store and in settled payments. Safe to run again.',
].join('\n');

/**
 * @typedef {{ eventStoreTokens: number, eventStoreContacts: number, paymentTokens: number, conflicts: number }} ScrubSummary
 * @typedef {{ dynamo: import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient, progress?: (line: string) => void }} ScrubDeps
 */

/**
 * @param {ScrubDeps} deps
 * @param {{ eventStoreTable: string, legacyEventStoreTable?: string, paymentsTable: string, apply: boolean }} options
 * @returns {Promise<ScrubSummary>}
 */
export async function scrubSecrets({ dynamo, progress = () => {} }, options) {
  /** @type {ScrubSummary} */
  const summary = { eventStoreTokens: 0, eventStoreContacts: 0, paymentTokens: 0, conflicts: 0 };
  /** @type {ScrubUpdate} */
  const update = async (input) => {
    if (!options.apply) return true;
    try {
      await dynamo.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (/** @type {{ name?: string }} */ (error).name !== 'ConditionalCheckFailedException') throw error;
      summary.conflicts++;
      return false;
    }
  };
  // The first event store keeps its copy of the history until every stage is migrated (entry 51).
  const stores = [
    { table: options.eventStoreTable, key: EVENT_STORE_KEY },
    ...(options.legacyEventStoreTable
      ? [{ table: options.legacyEventStoreTable, key: LEGACY_EVENT_STORE_KEY }]
      : []),
  ];
  for (const { table, key } of stores) {
    progress(`scanning ${table} for OrderPlaced and CustomerProfileUpdated v1 …`);
    await scrubEventStore(dynamo, table, key, update, summary);
  }
  progress(`scanning ${options.paymentsTable} for settled payments that still hold a card token …`);
  await scrubPayments(dynamo, options.paymentsTable, update, summary);
  return summary;
}

/**
 * An update that only counts without `--apply`; false when its condition failed (a conflict, counted).
 * @typedef {(input: import('@aws-sdk/lib-dynamodb').UpdateCommandInput) => Promise<boolean>} ScrubUpdate
 */

const EVENT_DATA = { '#event': 'event', '#detail': 'detail', '#data': 'data' };

/**
 * OrderPlaced v1 keeps its schema with the token redacted; CustomerProfileUpdated v1 loses `name` and `email`.
 * @param {import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient} dynamo
 * @param {string} table
 * @param {readonly string[]} keyAttributes the table's key, partition key first
 * @param {ScrubUpdate} update
 * @param {ScrubSummary} summary
 */
async function scrubEventStore(dynamo, table, keyAttributes, update, summary) {
  for await (const item of scanAll(dynamo, {
    TableName: table,
    FilterExpression:
      'eventVersion = :v1 AND ((eventType = :placed AND #event.#detail.#data.#token <> :redacted) OR ' +
      '(eventType = :profile AND (attribute_exists(#event.#detail.#data.#name) OR attribute_exists(#event.#detail.#data.#email))))',
    ExpressionAttributeNames: { ...EVENT_DATA, '#token': 'paymentToken', '#name': 'name', '#email': 'email' },
    ExpressionAttributeValues: {
      ':v1': 1,
      ':placed': 'OrderPlaced',
      ':profile': 'CustomerProfileUpdated',
      ':redacted': REDACTED,
    },
  })) {
    const key = Object.fromEntries(keyAttributes.map((name) => [name, item[name]]));
    const stillThere = `attribute_exists(${keyAttributes[0]})`;
    if (item.eventType === 'OrderPlaced') {
      const done = await update({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET #event.#detail.#data.#token = :redacted',
        ConditionExpression: stillThere,
        ExpressionAttributeNames: { ...EVENT_DATA, '#token': 'paymentToken' },
        ExpressionAttributeValues: { ':redacted': REDACTED },
      });
      if (done) summary.eventStoreTokens++;
    } else {
      const done = await update({
        TableName: table,
        Key: key,
        UpdateExpression: 'REMOVE #event.#detail.#data.#name, #event.#detail.#data.#email',
        ConditionExpression: stillThere,
        ExpressionAttributeNames: { ...EVENT_DATA, '#name': 'name', '#email': 'email' },
      });
      if (done) summary.eventStoreContacts++;
    }
  }
}

/**
 * A payment whose authorization is answered loses its token, conditioned on its version, which it bumps.
 * @param {import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient} dynamo
 * @param {string} table
 * @param {ScrubUpdate} update
 * @param {ScrubSummary} summary
 */
async function scrubPayments(dynamo, table, update, summary) {
  const intent = { '#intent': 'intent', '#token': 'paymentToken', '#sealed': 'sealedPaymentToken' };
  for await (const item of scanAll(dynamo, {
    TableName: table,
    FilterExpression:
      'entityType = :payment AND NOT (#status IN (:pending, :awaiting)) AND ' +
      '(attribute_exists(#intent.#token) OR attribute_exists(#intent.#sealed))',
    ExpressionAttributeNames: { '#status': 'status', ...intent },
    ExpressionAttributeValues: {
      ':payment': 'PAYMENT',
      ':pending': AUTHORIZATION_OPEN[0],
      ':awaiting': AUTHORIZATION_OPEN[1],
    },
  })) {
    const done = await update({
      TableName: table,
      Key: { pk: item.pk, sk: item.sk },
      UpdateExpression: 'REMOVE #intent.#token, #intent.#sealed SET #version = :next',
      ConditionExpression: '#version = :seen AND #status = :status',
      ExpressionAttributeNames: { ...intent, '#version': 'version', '#status': 'status' },
      ExpressionAttributeValues: { ':seen': item.version, ':next': item.version + 1, ':status': item.status },
    });
    if (done) summary.paymentTokens++;
  }
}

/**
 * @param {string[]} argv
 * @param {import('./stage-clients.mjs').CommandIo} io
 * @returns {Promise<number>}
 */
export async function main(argv, io = process) {
  const values = applyCommandOptions('scrub', argv, USAGE, io);
  if (typeof values === 'number') return values;
  const names = namesFor(values.stage);
  const clients = stageClients(values.stage, values.region);
  try {
    const summary = await scrubSecrets(
      { dynamo: clients.dynamo, progress: (line) => io.stderr.write(`${line}\n`) },
      {
        eventStoreTable: names.eventStoreTable,
        legacyEventStoreTable: names.legacyEventStoreTable,
        paymentsTable: names.table('payments'),
        apply: values.apply,
      },
    );
    const verb = values.apply ? 'scrubbed' : 'would scrub (run again with --apply)';
    io.stdout.write(
      `${verb}: ${summary.eventStoreTokens} OrderPlaced v1 token(s) and ${summary.eventStoreContacts} ` +
        `CustomerProfileUpdated v1 contact(s) in ${names.eventStoreTable} and ${names.legacyEventStoreTable}, ` +
        `${summary.paymentTokens} settled ` +
        `payment(s) in ${names.table('payments')}` +
        (summary.conflicts ? `; ${summary.conflicts} changed meanwhile: run again` : '') +
        '\n',
    );
    return summary.conflicts ? 1 : 0;
  } finally {
    clients.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
