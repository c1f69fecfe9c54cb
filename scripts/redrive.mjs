#!/usr/bin/env node
/**
 * Brings the messages of a dead-letter queue or failure destination back to where they failed, once the
 * cause is fixed:
 *
 *   npm run redrive -- <queue> [--dry-run] [--max N] [--republish] [--stage local|test|<aws stage>] [--region R]
 *   npm run redrive -- --list [--stage …]
 *
 * `<queue>` is the queue's name without `<service>-<stage>-` and `-dlq`, as `--list` shows it:
 * `catalog-price-changes.fifo` (`.fifo` may be left out when no standard DLQ has the same name),
 * `payments-events` (the payments domain's events DLQ; `payments-events.fifo` is its FIFO queue's DLQ) or
 * `outbox-relay-failures` (the outbox relays' stream on-failure destination).
 *
 * Three kinds of queue:
 * - a queue's DLQ (a queue's RedrivePolicy names it): messages go back to that queue. On AWS with
 *   StartMessageMoveTask (progress from ListMessageMoveTasks); on the local stages (fauxqs has no move
 *   task) and with --max by hand: receive → send to the source queue (FIFO: same MessageGroupId, a fresh
 *   deduplication id, or SQS would drop the copy as a duplicate of the original within 5 minutes) →
 *   delete, in that order and one message at a time, so nothing is lost and a group keeps its order.
 *   The first failure stops the run.
 * - a domain's events DLQ (`<domain>-events-dlq`): the DLQ of its rules' targets and the on-failure
 *   destination of its rule- and schedule-invoked functions, so it holds two shapes of message:
 *   - a bus event (a rule could not deliver it): put on the bus again with its Source, DetailType, Detail,
 *     Resources and Time unchanged. Every rule sees it again; consumers are idempotent by event id.
 *   - a Lambda on-failure record (the function failed the event on every attempt): its `requestPayload`,
 *     the original event (or scheduled event), goes to the function its `requestContext.functionArn`
 *     names, and only to it. On AWS as an asynchronous Invoke (InvocationType Event) of that ARN without
 *     `:$LATEST`, so the function's retries and on-failure destination apply again; on the local stages
 *     a synchronous Invoke through serverless-offline, so a function that fails again leaves the record
 *     in the DLQ and the run reports it.
 *   Each message is deleted once it was handed over; a message of neither shape stays and is a failure.
 * - `outbox-relay-failures`: records of stream batches the outbox relay gave up on. They hold the table's
 *   stream ARN and the batch's arrival times, never the events, so they cannot be moved: the run prints
 *   the `npm run outbox:republish` command of each table and time window (a minute before the first
 *   record's arrival, since an event occurs before its item is written, to 61 s after the last, since
 *   arrival times are rounded down: to the second on AWS, to the minute by DynamoDB Local) and keeps
 *   the records. `--republish` runs that republish for each record and deletes the record once every
 *   event of its window was published.
 * At most the number of messages in the queue at the start (or N) are handled, so messages that fail
 * again and come back cannot keep the run going. `--dry-run` lists messages (id, group, shape, a summary)
 * and moves nothing; in a FIFO DLQ only the first message of each group can be seen.
 *
 * Progress and the summary go to stderr, listings and republish commands to stdout. Exit 0 when
 * everything asked was handled, 1 when a message could not be (it is still in the queue), 2 on a usage
 * error. Offline stages use the local cloud (scripts/local-cloud/stages.json), other stages AWS
 * (scripts/stage-clients.mjs: --region, else AWS_REGION, else us-east-1 like serverless.yml).
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { republishCommand, republishOutbox, tableNameOf } from './outbox-republish.mjs';
import { invokeAsync, invokeOnce, namesFor, stageClients } from './stage-clients.mjs';

/**
 * @typedef {import('@aws-sdk/client-sqs').SQSClient} SQSClient
 * @typedef {import('@aws-sdk/client-eventbridge').EventBridgeClient} EventBridgeClient
 * @typedef {import('@aws-sdk/client-lambda').LambdaClient} LambdaClient
 * @typedef {import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient} DynamoDBDocumentClient
 * @typedef {import('@aws-sdk/client-sqs').Message} Message
 * @typedef {import('@aws-sdk/client-sqs').MessageAttributeValue} MessageAttributeValue
 * @typedef {import('@aws-sdk/client-eventbridge').PutEventsRequestEntry} PutEventsRequestEntry
 * @typedef {object} QueueInfo
 * @property {string} name
 * @property {string} url
 * @property {string} arn
 * @property {boolean} fifo
 * @property {number} visible approximate number of messages that can be received now
 * @property {number} inFlight approximate number of messages received and not yet deleted
 * @property {string} [deadLetterTargetArn] the DLQ its RedrivePolicy names, if any
 * @typedef {object} DeadLetterQueue
 * @property {string} shortName the name `<queue>` stands for (see the file comment)
 * @property {'queue' | 'rule' | 'stream'} kind `queue`: a queue's DLQ; `rule`: a domain's events DLQ (bus
 *   events and Lambda on-failure records); `stream`: a stream mapping's on-failure destination
 * @property {QueueInfo} queue
 * @property {QueueInfo} [source] the queue whose RedrivePolicy names this DLQ (kind `queue`)
 * @typedef {object} RedriveContext
 * @property {SQSClient} sqs
 * @property {EventBridgeClient} eventBridge
 * @property {LambdaClient} [lambda] to re-deliver Lambda on-failure records
 * @property {'sync' | 'async'} [invoke] `sync` on the local stages, `async` (InvocationType Event) on AWS
 * @property {DynamoDBDocumentClient} [dynamo] for --republish
 * @property {string} stage
 * @property {string} service
 * @property {string} prefix every queue name of the stage starts with it: `<service>-<stage>-`
 * @property {string} eventBusName
 * @property {(line: string) => void} [progress] where progress lines go (stderr in the CLI)
 * @property {number} [pollIntervalMs] between two ListMessageMoveTasks calls
 * @typedef {object} RedriveOptions
 * @property {string} queue
 * @property {boolean} [dryRun]
 * @property {number} [max]
 * @property {boolean} [useMoveTask] let SQS move a queue's DLQ (AWS only; not with `max`)
 * @property {boolean} [republish] run the republish of each stream failure record, then delete it
 * @typedef {object} EventShape a bus event (a rule target's DLQ)
 * @property {'event'} shape
 * @property {any} event
 * @typedef {object} FunctionFailureShape a Lambda asynchronous invocation's on-failure record
 * @property {'function-failure'} shape
 * @property {string} functionName
 * @property {string} target what to invoke on AWS: the function ARN without `:$LATEST`
 * @property {string} condition RetriesExhausted or EventAgeExceeded
 * @property {number | undefined} attempts
 * @property {string} error
 * @property {unknown} payload the original event
 * @typedef {object} StreamFailureShape a stream mapping's on-failure record
 * @property {'stream-failure'} shape
 * @property {string} table
 * @property {string} from the window to republish, ISO-8601
 * @property {string} to
 * @property {number | undefined} records
 * @property {string} condition
 * @typedef {object} OtherShape
 * @property {'other'} shape
 * @property {string} reason
 * @typedef {EventShape | FunctionFailureShape | StreamFailureShape | OtherShape} Shape
 * @typedef {{ id: string, group?: string, shape: Shape['shape'], summary: string, body: string }} ListedMessage
 * @typedef {{ id: string, error: string }} Failure
 * @typedef {{ id: string, shape: StreamFailureShape }} Kept
 * @typedef {object} RedriveSummary
 * @property {DeadLetterQueue} dlq
 * @property {string} target where messages went (or would go): a queue name or the bus name
 * @property {number} moved
 * @property {Failure[]} failed
 * @property {Kept[]} kept stream failure records left in the queue (they cannot be moved)
 * @property {string[]} commands the republish commands for the stream failure records seen
 * @property {ListedMessage[]} listed what --dry-run saw
 */

/** While a message is held by the script: long enough to forward it, short enough to come back soon. */
const HOLD_SECONDS = 60;
const RECEIVE_WAIT_SECONDS = 1;
const PREVIEW_CHARS = 120;
const DLQ_SUFFIX = /-dlq(\.fifo)?$/;
/** A stream mapping's on-failure destination, e.g. `outbox-relay-failures`. */
const FAILURES_SUFFIX = /-failures$/;
/** An event occurs before its item is written; how much earlier than the stream record's arrival, at most. */
const WINDOW_BEFORE_MS = 60_000;
/**
 * Arrival times are rounded down: to the second on AWS, to the minute by DynamoDB Local (the local cloud
 * reports them as it gets them). A minute and a second after the last one covers both.
 */
const WINDOW_AFTER_MS = 61_000;
/** Windows of one table closer than this are republished as one. */
const MERGE_GAP_MS = 5 * 60_000;

export class RedriveError extends Error {}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {unknown} error */
const messageOf = (error) => (error instanceof Error ? error.message : String(error));

/**
 * `<prefix>payments-events-dlq.fifo` → `payments-events.fifo`; `<prefix>payments-events-dlq` → `payments-events`.
 * @param {string} dlqName
 * @param {string} prefix
 */
export function shortNameOf(dlqName, prefix) {
  return dlqName.slice(prefix.length).replace(DLQ_SUFFIX, '$1');
}

/**
 * Every queue of the stage, with the attributes redrive needs.
 * @param {SQSClient} sqs
 * @param {string} prefix
 * @returns {Promise<QueueInfo[]>}
 */
export async function describeQueues(sqs, prefix) {
  /** @type {string[]} */
  const urls = [];
  /** @type {string | undefined} */
  let nextToken;
  do {
    const page = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1000, NextToken: nextToken }),
    );
    urls.push(...(page.QueueUrls ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return Promise.all(urls.map((url) => describeQueue(sqs, url)));
}

/**
 * @param {SQSClient} sqs
 * @param {string} url
 * @returns {Promise<QueueInfo>}
 */
async function describeQueue(sqs, url) {
  const { Attributes: attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'QueueArn',
        'FifoQueue',
        'RedrivePolicy',
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
      ],
    }),
  );
  const arn = attributes.QueueArn ?? '';
  /** @type {QueueInfo} */
  const info = {
    name: arn.split(':').pop() ?? url,
    url,
    arn,
    fifo: attributes.FifoQueue === 'true',
    visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
  if (attributes.RedrivePolicy) {
    const target = JSON.parse(attributes.RedrivePolicy).deadLetterTargetArn;
    if (typeof target === 'string') info.deadLetterTargetArn = target;
  }
  return info;
}

/**
 * @param {QueueInfo} queue
 * @param {QueueInfo[]} all
 * @param {string} prefix
 * @returns {DeadLetterQueue}
 */
function asDeadLetterQueue(queue, all, prefix) {
  const shortName = shortNameOf(queue.name, prefix);
  const source = all.find((candidate) => candidate.deadLetterTargetArn === queue.arn);
  if (source) return { shortName, kind: 'queue', queue, source };
  return { shortName, kind: FAILURES_SUFFIX.test(queue.name) ? 'stream' : 'rule', queue };
}

/**
 * The stage's DLQs and failure destinations: queues named `…-dlq[.fifo]` or `…-failures`, or named by
 * another queue's RedrivePolicy, by name.
 * @param {Pick<RedriveContext, 'sqs' | 'prefix'>} context
 * @returns {Promise<DeadLetterQueue[]>}
 */
export async function listDeadLetterQueues({ sqs, prefix }) {
  const queues = await describeQueues(sqs, prefix);
  const targets = new Set(queues.map((queue) => queue.deadLetterTargetArn));
  return queues
    .filter(
      (queue) => DLQ_SUFFIX.test(queue.name) || FAILURES_SUFFIX.test(queue.name) || targets.has(queue.arn),
    )
    .map((queue) => asDeadLetterQueue(queue, queues, prefix))
    .sort((a, b) => a.shortName.localeCompare(b.shortName));
}

/**
 * The DLQ `<queue>` names: `<prefix><queue>-dlq`, else `<prefix><queue>-dlq.fifo` (found with
 * GetQueueUrl), and the queue whose RedrivePolicy points at it; a failure destination by its own name.
 * @param {Pick<RedriveContext, 'sqs' | 'prefix'>} context
 * @param {string} queue
 * @returns {Promise<DeadLetterQueue>}
 */
export async function findDeadLetterQueue({ sqs, prefix }, queue) {
  const base = queue.replace(/\.fifo$/, '');
  const candidates = FAILURES_SUFFIX.test(queue)
    ? [`${prefix}${queue}`]
    : queue.endsWith('.fifo')
      ? [`${prefix}${base}-dlq.fifo`]
      : [`${prefix}${base}-dlq`, `${prefix}${base}-dlq.fifo`];
  for (const name of candidates) {
    const url = await queueUrlOf(sqs, name);
    if (!url) continue;
    const all = await describeQueues(sqs, prefix);
    const found = all.find((candidate) => candidate.url === url) ?? (await describeQueue(sqs, url));
    return asDeadLetterQueue(found, all, prefix);
  }
  const known = (await listDeadLetterQueues({ sqs, prefix })).map((dlq) => dlq.shortName);
  throw new RedriveError(
    `no DLQ ${candidates.join(' or ')}; known: ${known.length ? known.join(', ') : 'none (is the stack up?)'}`,
  );
}

/**
 * @param {SQSClient} sqs
 * @param {string} name
 * @returns {Promise<string | undefined>}
 */
async function queueUrlOf(sqs, name) {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    const code = /** @type {{ name?: string, Code?: string }} */ (error);
    if (/QueueDoesNotExist|NonExistentQueue/.test(`${code.name} ${code.Code}`)) return undefined;
    throw error;
  }
}

/**
 * @param {SQSClient} sqs
 * @param {QueueInfo} queue
 * @param {number} count
 * @returns {Promise<Message[]>}
 */
async function receive(sqs, queue, count) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      MaxNumberOfMessages: Math.max(1, Math.min(10, count)),
      VisibilityTimeout: HOLD_SECONDS,
      WaitTimeSeconds: RECEIVE_WAIT_SECONDS,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['MessageGroupId'],
    }),
  );
  return Messages;
}

/**
 * Makes held messages visible again at once (a FIFO group is unlocked too).
 * @param {SQSClient} sqs
 * @param {QueueInfo} queue
 * @param {Message[]} messages
 */
async function release(sqs, queue, messages) {
  for (const message of messages) {
    await sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue.url,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      )
      .catch(() => undefined); // it comes back anyway when HOLD_SECONDS are over
  }
}

/**
 * User attributes as SendMessage takes them (ReceiveMessage adds empty list fields).
 * @param {Record<string, MessageAttributeValue> | undefined} attributes
 * @returns {Record<string, MessageAttributeValue> | undefined}
 */
function copyAttributes(attributes) {
  const entries = Object.entries(attributes ?? {}).map(([name, value]) => [
    name,
    {
      DataType: value.DataType,
      ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }),
    },
  ]);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/**
 * @param {any} event
 * @returns {boolean}
 */
const isBusEvent = (event) =>
  typeof event?.source === 'string' &&
  typeof event['detail-type'] === 'string' &&
  typeof event.detail === 'object' &&
  event.detail !== null;

/**
 * The PutEvents entry that publishes a bus event again, unchanged.
 * @param {any} event
 * @param {string} eventBusName
 * @returns {PutEventsRequestEntry}
 */
function entryOfEvent(event, eventBusName) {
  const time = typeof event.time === 'string' ? new Date(event.time) : undefined;
  return {
    EventBusName: eventBusName,
    Source: event.source,
    DetailType: event['detail-type'],
    Detail: JSON.stringify(event.detail),
    ...(Array.isArray(event.resources) ? { Resources: event.resources } : {}),
    ...(time && !Number.isNaN(time.getTime()) ? { Time: time } : {}),
  };
}

/**
 * The PutEvents entry that publishes a DLQ body (an EventBridge event) again, unchanged.
 * @param {string | undefined} body
 * @param {string} eventBusName
 * @returns {PutEventsRequestEntry}
 */
export function republishEntry(body, eventBusName) {
  const shape = shapeOf(body);
  if (shape.shape === 'event') return entryOfEvent(shape.event, eventBusName);
  throw new RedriveError(
    shape.shape === 'other' ? shape.reason : `the body is a ${shape.shape} record, not an EventBridge event`,
  );
}

const FUNCTION_ARN = /^(arn:aws[\w-]*:lambda:[^:]+:\d+:function:([^:]+))(?::([^:]+))?$/;
const TABLE_OF_STREAM = /^arn:aws[\w-]*:dynamodb:[^:]+:\d+:table\/([^/]+)\/stream\//;

/**
 * What a message of a DLQ or failure destination is: a bus event, a Lambda asynchronous invocation's
 * on-failure record, a stream mapping's on-failure record, or something else (with the reason).
 * @param {string | undefined} body
 * @returns {Shape}
 */
export function shapeOf(body) {
  /** @type {any} */
  let parsed;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return { shape: 'other', reason: 'the body is not JSON, so not an EventBridge event' };
  }
  const batch = parsed?.DDBStreamBatchInfo;
  if (batch && typeof batch === 'object') {
    const table = TABLE_OF_STREAM.exec(String(batch.streamArn ?? ''))?.[1];
    const first = Date.parse(batch.approximateArrivalOfFirstRecord);
    const last = Date.parse(batch.approximateArrivalOfLastRecord);
    if (!table || Number.isNaN(first) || Number.isNaN(last)) {
      return {
        shape: 'other',
        reason: 'a stream failure record without a table stream ARN and arrival times',
      };
    }
    return {
      shape: 'stream-failure',
      table,
      from: new Date(first - WINDOW_BEFORE_MS).toISOString(),
      to: new Date(last + WINDOW_AFTER_MS).toISOString(),
      records: typeof batch.batchSize === 'number' ? batch.batchSize : undefined,
      condition: String(parsed.requestContext?.condition ?? 'unknown condition'),
    };
  }
  const functionArn = parsed?.requestContext?.functionArn;
  if (typeof functionArn === 'string') {
    const arn = FUNCTION_ARN.exec(functionArn);
    if (!arn?.[1] || !arn[2]) return { shape: 'other', reason: `not a function ARN: ${functionArn}` };
    if (!('requestPayload' in parsed)) {
      return { shape: 'other', reason: 'a Lambda failure record without its requestPayload' };
    }
    const response = parsed.responsePayload;
    return {
      shape: 'function-failure',
      functionName: arn[2],
      // Invoking `…:$LATEST` explicitly is the same function but needs a qualified-ARN permission.
      target: arn[3] && arn[3] !== '$LATEST' ? functionArn : arn[1],
      condition: String(parsed.requestContext.condition ?? 'unknown condition'),
      attempts: parsed.requestContext.approximateInvokeCount,
      error:
        response && typeof response === 'object'
          ? `${response.errorType ?? 'Error'}: ${response.errorMessage ?? ''}`.trim()
          : String(parsed.responseContext?.functionError ?? 'unknown error'),
      payload: parsed.requestPayload,
    };
  }
  if (isBusEvent(parsed)) return { shape: 'event', event: parsed };
  return { shape: 'other', reason: 'the body is not an EventBridge event (source, detail-type, detail)' };
}

/**
 * One line about a message for listings: what it is and what it is about.
 * @param {Shape} shape
 * @param {string | undefined} body
 */
export function describeShape(shape, body) {
  /** @param {any} event */
  const aboutEvent = (event) => {
    if (!isBusEvent(event)) return JSON.stringify(event ?? null).slice(0, PREVIEW_CHARS);
    // What it is about (orderId=…, productId=…), whatever the order of its fields.
    const data = event.detail.data && typeof event.detail.data === 'object' ? event.detail.data : {};
    const ids = Object.entries(data)
      .filter(([name, value]) => /Id$/.test(name) && typeof value === 'string')
      .map(([name, value]) => `${name}=${value}`);
    const about = ids.length > 0 ? ids.join(' ') : JSON.stringify(data).slice(0, PREVIEW_CHARS);
    return `${event['detail-type']} ${event.detail.metadata?.eventId ?? event.id ?? ''} ${about}`;
  };
  switch (shape.shape) {
    case 'event':
      return aboutEvent(shape.event);
    case 'function-failure':
      return `${shape.functionName} ${shape.condition} after ${shape.attempts ?? '?'} attempt(s), ${shape.error.slice(0, PREVIEW_CHARS)} | ${aboutEvent(shape.payload)}`;
    case 'stream-failure':
      return `${shape.table} batch of ${shape.records ?? '?'} record(s) ${shape.condition}; republish [${shape.from}, ${shape.to})`;
    default:
      return (body ?? '').slice(0, PREVIEW_CHARS);
  }
}

/**
 * The republish commands for stream failure records: windows of one table that overlap or lie close
 * together become one command.
 * @param {StreamFailureShape[]} shapes
 * @param {string} stage
 */
export function republishCommands(shapes, stage) {
  /** @type {{ table: string, from: number, to: number }[]} */
  const windows = [];
  const sorted = [...shapes].sort(
    (a, b) => a.table.localeCompare(b.table) || Date.parse(a.from) - Date.parse(b.from),
  );
  for (const shape of sorted) {
    const [from, to] = [Date.parse(shape.from), Date.parse(shape.to)];
    const last = windows.at(-1);
    if (last && last.table === shape.table && from <= last.to + MERGE_GAP_MS) last.to = Math.max(last.to, to);
    else windows.push({ table: shape.table, from, to });
  }
  return windows.map(({ table, from, to }) =>
    republishCommand({ stage, table, from: new Date(from).toISOString(), to: new Date(to).toISOString() }),
  );
}

/**
 * How a batch of received messages is forwarded. Each result says, in the batch's order, whether the
 * message reached its destination (then it is deleted from the DLQ), why not (then it stays, a failure),
 * or that it is kept on purpose (a stream failure record: it stays, and is no failure).
 * `stopOnFailure`: receive no further batches after a failure (keeps a FIFO group in order).
 * @typedef {true | string | { keep: StreamFailureShape }} ForwardResult
 * @typedef {{ stopOnFailure: boolean, forward(messages: Message[]): Promise<ForwardResult[]> }} Forwarder
 */

/**
 * To the source queue, one message at a time; after a failure the rest of the batch is not sent.
 * @param {SQSClient} sqs
 * @param {QueueInfo} source
 * @returns {Forwarder}
 */
function toSourceQueue(sqs, source) {
  return {
    stopOnFailure: true,
    async forward(messages) {
      /** @type {Array<true | string>} */
      const results = [];
      for (const message of messages) {
        if (results.some((result) => result !== true)) {
          results.push('not sent: an earlier message of the batch failed');
          continue;
        }
        const group = message.Attributes?.MessageGroupId;
        if (source.fifo && !group) {
          results.push('has no MessageGroupId to send it to a FIFO queue with');
          continue;
        }
        try {
          await sqs.send(
            new SendMessageCommand({
              QueueUrl: source.url,
              MessageBody: message.Body,
              MessageAttributes: copyAttributes(message.MessageAttributes),
              ...(source.fifo ? { MessageGroupId: group, MessageDeduplicationId: randomUUID() } : {}),
            }),
          );
          results.push(true);
        } catch (error) {
          results.push(`SendMessage to ${source.name} failed: ${messageOf(error)}`);
        }
      }
      return results;
    },
  };
}

/**
 * Hands the original event of a Lambda on-failure record to the function that failed it, and only to it.
 * @param {RedriveContext} context
 * @param {FunctionFailureShape} record
 * @returns {Promise<true | string>}
 */
async function redeliverToFunction(context, record) {
  if (!record.functionName.startsWith(context.prefix)) {
    return `the record names ${record.functionName}, not a function of this stage (${context.prefix}…)`;
  }
  if (!context.lambda) return 'no Lambda client to re-deliver a function failure record with';
  try {
    if (context.invoke === 'sync') {
      const error = await invokeOnce(context.lambda, record.functionName, record.payload);
      return error === undefined ? true : `${record.functionName} failed again: ${error}`;
    }
    await invokeAsync(context.lambda, record.target, record.payload);
    return true;
  } catch (error) {
    return `Invoke of ${record.target} failed: ${messageOf(error)}`;
  }
}

/**
 * Republishes a stream failure record's window from its table (--republish).
 * @param {RedriveContext} context
 * @param {StreamFailureShape} record
 * @returns {Promise<true | string>}
 */
async function republishWindow(context, record) {
  if (!context.dynamo) return 'no DynamoDB client to republish with';
  try {
    const tableName = tableNameOf(record.table, { service: context.service, prefix: context.prefix });
    const summary = await republishOutbox(
      { dynamo: context.dynamo, eventBridge: context.eventBridge, progress: context.progress },
      { tableName, eventBusName: context.eventBusName, from: record.from, to: record.to },
    );
    if (summary.failed.length === 0) return true;
    const first = summary.failed[0];
    return `republish of ${record.table} [${record.from}, ${record.to}) left ${summary.failed.length} event(s) unpublished (${first?.eventId}: ${first?.error})`;
  } catch (error) {
    return `republish of ${record.table} failed: ${messageOf(error)}`;
  }
}

/**
 * Back to where each message failed: bus events to the bus (one PutEvents per batch, at most 10 entries,
 * the PutEvents limit), Lambda failure records to their function, stream failure records kept (or, with
 * `republish`, republished from their table).
 * @param {RedriveContext} context
 * @param {{ republish?: boolean }} options
 * @returns {Forwarder}
 */
function toOrigin(context, options) {
  return {
    stopOnFailure: false,
    async forward(messages) {
      /** @type {ForwardResult[]} */
      const results = [];
      /** @type {{ index: number, entry: PutEventsRequestEntry }[]} */
      const entries = [];
      for (const [index, message] of messages.entries()) {
        const shape = shapeOf(message.Body);
        if (shape.shape === 'event') {
          entries.push({ index, entry: entryOfEvent(shape.event, context.eventBusName) });
          results[index] = true;
        } else if (shape.shape === 'function-failure') {
          results[index] = await redeliverToFunction(context, shape);
        } else if (shape.shape === 'stream-failure') {
          results[index] = options.republish ? await republishWindow(context, shape) : { keep: shape };
        } else {
          results[index] = shape.reason;
        }
      }
      if (entries.length === 0) return results;
      try {
        const output = await context.eventBridge.send(
          new PutEventsCommand({ Entries: entries.map(({ entry }) => entry) }),
        );
        entries.forEach(({ index }, position) => {
          const outcome = output.Entries?.[position];
          if (!outcome?.EventId || outcome.ErrorCode) {
            results[index] =
              `PutEvents rejected it: ${outcome?.ErrorCode ?? 'no result'} ${outcome?.ErrorMessage ?? ''}`.trim();
          }
        });
      } catch (error) {
        for (const { index } of entries) results[index] = `PutEvents failed: ${messageOf(error)}`;
      }
      return results;
    },
  };
}

/**
 * Receives up to `limit` messages, forwards them, deletes each one forwarded. Messages that could not
 * be forwarded, or are kept, are held until the end (so they are not received again) and then released.
 * @param {RedriveContext} context
 * @param {QueueInfo} dlq
 * @param {number} limit
 * @param {Forwarder} forwarder
 * @returns {Promise<{ moved: number, failed: Failure[], kept: Kept[] }>}
 */
async function moveByHand(context, dlq, limit, forwarder) {
  const { sqs } = context;
  const progress = context.progress ?? (() => undefined);
  let moved = 0;
  /** @type {Failure[]} */
  const failed = [];
  /** @type {Kept[]} */
  const kept = [];
  /** @type {Message[]} */
  const held = [];
  try {
    while (moved + failed.length + kept.length < limit) {
      const messages = await receive(sqs, dlq, limit - moved - failed.length - kept.length);
      if (messages.length === 0) break;
      const results = await forwarder.forward(messages);
      for (const [index, message] of messages.entries()) {
        const result = results[index] ?? 'not forwarded';
        const id = message.MessageId ?? '?';
        if (typeof result === 'object') {
          kept.push({ id, shape: result.keep });
          held.push(message);
          continue;
        }
        if (result !== true) {
          failed.push({ id, error: result });
          held.push(message);
          progress(`failed ${id}: ${result}`);
          continue;
        }
        try {
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: dlq.url, ReceiptHandle: message.ReceiptHandle }),
          );
        } catch (error) {
          // Forwarded but still in the DLQ: a later redrive delivers it twice; consumers are idempotent.
          failed.push({ id, error: `forwarded, but not deleted from the DLQ: ${messageOf(error)}` });
          continue;
        }
        moved++;
        progress(`moved ${moved}/${Math.max(limit, moved)}`);
      }
      if (forwarder.stopOnFailure && failed.length > 0) break;
    }
  } finally {
    await release(sqs, dlq, held);
  }
  return { moved, failed, kept };
}

/**
 * Lets SQS move the DLQ back to its source queue and follows the task until it ends.
 * @param {RedriveContext} context
 * @param {QueueInfo} dlq
 * @param {QueueInfo} source
 * @returns {Promise<{ moved: number, failed: Failure[] }>}
 */
async function moveWithTask(context, dlq, source) {
  const { sqs } = context;
  const progress = context.progress ?? (() => undefined);
  const started = await sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: source.arn }),
  );
  let reported = '';
  for (;;) {
    await sleep(context.pollIntervalMs ?? 2000);
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 10 }),
    );
    // Most recent first; only a running task shows its handle.
    const task = Results.find((entry) => entry.TaskHandle === started.TaskHandle) ?? Results[0];
    if (!task) throw new RedriveError(`the message move task of ${dlq.name} is not listed`);
    const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
    const total = Math.max(task.ApproximateNumberOfMessagesToMove ?? 0, moved);
    const line = `moved ${moved}/${total}`;
    if (line !== reported) progress(line);
    reported = line;
    if (task.Status === 'COMPLETED') return { moved, failed: [] };
    if (task.Status === 'FAILED' || task.Status === 'CANCELLED') {
      const reason = task.FailureReason ?? task.Status;
      return {
        moved,
        failed: [{ id: `${total - moved} message(s)`, error: `move task ${task.Status}: ${reason}` }],
      };
    }
  }
}

/**
 * Lists messages without moving them: each one received is held until the end, then released.
 * @param {RedriveContext} context
 * @param {QueueInfo} dlq
 * @param {number} limit
 * @returns {Promise<{ listed: ListedMessage[], streamFailures: StreamFailureShape[] }>}
 */
async function peek(context, dlq, limit) {
  /** @type {Message[]} */
  const held = [];
  try {
    while (held.length < limit) {
      const messages = await receive(context.sqs, dlq, limit - held.length);
      if (messages.length === 0) break;
      held.push(...messages);
    }
  } finally {
    await release(context.sqs, dlq, held);
  }
  /** @type {StreamFailureShape[]} */
  const streamFailures = [];
  const listed = held.map((message) => {
    const shape = shapeOf(message.Body);
    if (shape.shape === 'stream-failure') streamFailures.push(shape);
    return {
      id: message.MessageId ?? '?',
      ...(message.Attributes?.MessageGroupId ? { group: message.Attributes.MessageGroupId } : {}),
      shape: shape.shape,
      summary: describeShape(shape, message.Body),
      body: (message.Body ?? '').slice(0, PREVIEW_CHARS),
    };
  });
  return { listed, streamFailures };
}

/**
 * Where a queue's messages go, in words.
 * @param {DeadLetterQueue} dlq
 * @param {string} eventBusName
 */
function targetOf(dlq, eventBusName) {
  if (dlq.source) return `queue ${dlq.source.name}`;
  if (dlq.kind === 'stream') return 'npm run outbox:republish of each batch window';
  return `bus ${eventBusName} (PutEvents) / the failed function (Invoke)`;
}

/**
 * Redrives one DLQ (see the file comment). Failures of single messages are in the summary; a DLQ that
 * does not exist or an unreachable endpoint throws.
 * @param {RedriveContext} context
 * @param {RedriveOptions} options
 * @returns {Promise<RedriveSummary>}
 */
export async function redrive(context, options) {
  const dlq = await findDeadLetterQueue(context, options.queue);
  const target = dlq.source
    ? dlq.source.name
    : dlq.kind === 'stream'
      ? 'npm run outbox:republish'
      : context.eventBusName;
  const limit = Math.min(options.max ?? Number.POSITIVE_INFINITY, dlq.queue.visible);
  /** @type {RedriveSummary} */
  const summary = { dlq, target, moved: 0, failed: [], kept: [], commands: [], listed: [] };
  context.progress?.(
    `${dlq.queue.name}: ${dlq.queue.visible} message(s) (${dlq.queue.inFlight} in flight) → ${targetOf(dlq, context.eventBusName)}`,
  );
  if (options.dryRun) {
    const { listed, streamFailures } = await peek(context, dlq.queue, limit);
    return { ...summary, listed, commands: republishCommands(streamFailures, context.stage) };
  }
  if (limit === 0) return summary;
  if (dlq.source) {
    const result =
      options.useMoveTask && options.max === undefined
        ? await moveWithTask(context, dlq.queue, dlq.source)
        : await moveByHand(context, dlq.queue, limit, toSourceQueue(context.sqs, dlq.source));
    return { ...summary, kept: [], ...result };
  }
  const result = await moveByHand(context, dlq.queue, limit, toOrigin(context, options));
  const commands = republishCommands(
    result.kept.map((kept) => kept.shape),
    context.stage,
  );
  return { ...summary, ...result, commands };
}

// ---------------------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------------------

const USAGE = [
  'usage: npm run redrive -- <queue> [--dry-run] [--max N] [--republish] [--stage local|test|<aws stage>]',
  '         [--region R]',
  '       npm run redrive -- --list [--stage …] [--region R]',
  "  --republish (outbox-relay-failures only): republish each record's window, then delete the record",
].join('\n');

/**
 * @param {{ write(text: string): unknown }} out
 * @param {DeadLetterQueue[]} dlqs
 * @param {string} eventBusName
 */
function printList(out, dlqs, eventBusName) {
  const rows = dlqs.map((dlq) => [
    dlq.shortName,
    String(dlq.queue.visible),
    String(dlq.queue.inFlight),
    targetOf(dlq, eventBusName),
  ]);
  const header = ['queue', 'messages', 'in flight', 'redrives to'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  for (const row of [header, ...rows]) {
    out.write(
      `${row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

/**
 * @typedef {{ stdout: { write(text: string): unknown }, stderr: { write(text: string): unknown } }} CliIo
 * @typedef {{ stage: string, region?: string, max?: number, dryRun: boolean, republish: boolean, list: boolean, queue?: string }} CliOptions
 */

/**
 * The command line, checked: the options, or the usage error to print (or `help`).
 * @param {string[]} argv
 * @returns {CliOptions | { error: string } | 'help'}
 */
function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        stage: { type: 'string', default: 'local' },
        region: { type: 'string' },
        max: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        republish: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return { error: messageOf(error) };
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && !(Number.isInteger(max) && max > 0))
    return { error: '--max takes a whole number > 0' };
  const [queue, ...extra] = positionals;
  if (extra.length > 0) return { error: `one queue at a time (got ${positionals.join(', ')})` };
  if (!values.list && !queue) return { error: 'name a queue, or --list' };
  return {
    stage: values.stage,
    region: values.region,
    max,
    dryRun: values['dry-run'],
    republish: values.republish,
    list: values.list,
    queue,
  };
}

/**
 * What a redrive did: the messages a dry run lists and the republish commands on stdout, the tally on stderr.
 * @param {CliIo} io
 * @param {RedriveSummary} summary
 * @param {boolean} dryRun
 */
function printSummary(io, summary, dryRun) {
  for (const message of summary.listed) {
    const line = [message.id, message.group ?? '-', message.shape, message.summary.replace(/\s+/g, ' ')];
    io.stdout.write(`${line.join('\t')}\n`);
  }
  if (summary.commands.length > 0) {
    io.stderr.write(
      'Stream failure records carry no events. Republish their windows from the tables (safe to repeat), ' +
        'or run this redrive again with --republish to do it and delete the records:\n',
    );
    for (const command of summary.commands) io.stdout.write(`${command}\n`);
  }
  const done = dryRun ? `listed ${summary.listed.length} (dry run, nothing moved)` : `moved ${summary.moved}`;
  const kept = summary.kept.length > 0 ? `, kept ${summary.kept.length} stream failure record(s)` : '';
  const note =
    dryRun && summary.dlq.queue.fifo ? '; a FIFO DLQ shows only the first message of each group' : '';
  io.stderr.write(
    `${summary.dlq.queue.name} → ${summary.target}: ${done}, failed ${summary.failed.length}${kept}${note}\n`,
  );
  for (const failure of summary.failed) io.stderr.write(`  ${failure.id}: ${failure.error}\n`);
}

/**
 * The CLI: parses the arguments, runs, prints. Returns the exit code.
 * @param {string[]} argv
 * @param {CliIo} io
 * @returns {Promise<number>}
 */
export async function main(argv, io = process) {
  const options = parseCommandLine(argv);
  if (options === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if ('error' in options) {
    io.stderr.write(`redrive: ${options.error}\n${USAGE}\n`);
    return 2;
  }
  const { stage, queue, dryRun } = options;
  /** @type {import('./stage-clients.mjs').StageClients | undefined} */
  let clients;
  try {
    const names = namesFor(stage);
    clients = stageClients(stage, options.region);
    /** @type {RedriveContext} */
    const context = {
      sqs: clients.sqs,
      eventBridge: clients.eventBridge,
      lambda: clients.lambda,
      invoke: clients.local ? 'sync' : 'async',
      dynamo: clients.dynamo,
      stage,
      service: names.service,
      prefix: names.prefix,
      eventBusName: names.eventBus,
      progress: (line) => io.stderr.write(`${line}\n`),
    };
    if (options.list || !queue) {
      printList(io.stdout, await listDeadLetterQueues(context), context.eventBusName);
      return 0;
    }
    const summary = await redrive(context, {
      queue,
      dryRun,
      max: options.max,
      useMoveTask: !clients.local,
      republish: options.republish,
    });
    printSummary(io, summary, dryRun);
    return summary.failed.length > 0 ? 1 : 0;
  } catch (error) {
    const down = clients?.local && /ECONNREFUSED/.test(messageOf(error));
    const hint = down ? ` (is the stack of stage "${stage}" running?)` : '';
    io.stderr.write(`redrive: ${messageOf(error)}${hint}\n`);
    return error instanceof RedriveError ? 2 : 1;
  } finally {
    clients?.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
