#!/usr/bin/env node
// @ts-check
/**
 * Moves the messages of a dead-letter queue back to where they failed, once the cause is fixed:
 *
 *   npm run redrive -- <queue> [--dry-run] [--max N] [--stage local|test|<aws stage>] [--region R]
 *   npm run redrive -- --list [--stage …]
 *
 * `<queue>` is the DLQ's name without `<service>-<stage>-` and `-dlq`, as `--list` shows it:
 * `catalog-price-changes.fifo` (`.fifo` may be left out when no standard DLQ has the same name) or
 * `orders-events` (the orders domain's rule-target DLQ; `orders-events.fifo` is its FIFO queue's DLQ).
 *
 * Two kinds of DLQ:
 * - a queue's DLQ (a queue's RedrivePolicy names it): messages go back to that queue. On AWS with
 *   StartMessageMoveTask (progress from ListMessageMoveTasks); on the local stages (fauxqs has no move
 *   task) and with --max by hand: receive → send to the source queue (FIFO: same MessageGroupId, a fresh
 *   deduplication id, or SQS would drop the copy as a duplicate of the original within 5 minutes) →
 *   delete, in that order and one message at a time, so nothing is lost and a group keeps its order.
 *   The first failure stops the run.
 * - a rule target's DLQ (`<domain>-events-dlq`, bodies are EventBridge events): each event is put on the
 *   bus again with its Source, DetailType, Detail, Resources and Time unchanged, then deleted. Every rule
 *   sees it again; consumers are idempotent by `detail.metadata.eventId`. A body that is not a bus event
 *   is left in the DLQ and counted as a failure.
 * At most the number of messages in the DLQ at the start (or N) are moved, so messages that fail again
 * and come back cannot keep the run going. `--dry-run` lists messages (id, group, the body's first 120
 * characters) and moves nothing; in a FIFO DLQ only the first message of each group can be seen.
 *
 * Progress and the summary go to stderr, listings to stdout. Exit 0 when everything asked was moved,
 * 1 when a message could not be moved (it is still in the DLQ), 2 on a usage error.
 * The local stages' endpoints come from scripts/local-cloud/stages.json; other stages use the AWS SDK's
 * credentials and region (--region, else AWS_REGION, else us-east-1 like serverless.yml).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

/**
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
 * @property {'queue' | 'rule'} kind `queue`: a queue's DLQ; `rule`: a rule target's DLQ of bus events
 * @property {QueueInfo} queue
 * @property {QueueInfo} [source] the queue whose RedrivePolicy names this DLQ (kind `queue`)
 * @typedef {object} RedriveContext
 * @property {SQSClient} sqs
 * @property {EventBridgeClient} eventBridge
 * @property {string} prefix every queue name of the stage starts with it: `<service>-<stage>-`
 * @property {string} eventBusName
 * @property {(line: string) => void} [progress] where progress lines go (stderr in the CLI)
 * @property {number} [pollIntervalMs] between two ListMessageMoveTasks calls
 * @typedef {object} RedriveOptions
 * @property {string} queue
 * @property {boolean} [dryRun]
 * @property {number} [max]
 * @property {boolean} [useMoveTask] let SQS move a queue's DLQ (AWS only; not with `max`)
 * @typedef {{ id: string, group?: string, body: string }} ListedMessage
 * @typedef {{ id: string, error: string }} Failure
 * @typedef {object} RedriveSummary
 * @property {DeadLetterQueue} dlq
 * @property {string} target where messages went (or would go): a queue name or the bus name
 * @property {number} moved
 * @property {Failure[]} failed
 * @property {ListedMessage[]} listed what --dry-run saw
 */

/** While a message is held by the script: long enough to forward it, short enough to come back soon. */
const HOLD_SECONDS = 60;
const RECEIVE_WAIT_SECONDS = 1;
const PREVIEW_CHARS = 120;
const DLQ_SUFFIX = /-dlq(\.fifo)?$/;

export class RedriveError extends Error {}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {unknown} error */
const messageOf = (error) => (error instanceof Error ? error.message : String(error));

/**
 * `<prefix>orders-events-dlq.fifo` → `orders-events.fifo`; `<prefix>orders-events-dlq` → `orders-events`.
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
  const source = all.find((candidate) => candidate.deadLetterTargetArn === queue.arn);
  return source
    ? { shortName: shortNameOf(queue.name, prefix), kind: 'queue', queue, source }
    : { shortName: shortNameOf(queue.name, prefix), kind: 'rule', queue };
}

/**
 * The stage's DLQs: queues named `…-dlq[.fifo]` or named by another queue's RedrivePolicy, by name.
 * @param {Pick<RedriveContext, 'sqs' | 'prefix'>} context
 * @returns {Promise<DeadLetterQueue[]>}
 */
export async function listDeadLetterQueues({ sqs, prefix }) {
  const queues = await describeQueues(sqs, prefix);
  const targets = new Set(queues.map((queue) => queue.deadLetterTargetArn));
  return queues
    .filter((queue) => DLQ_SUFFIX.test(queue.name) || targets.has(queue.arn))
    .map((queue) => asDeadLetterQueue(queue, queues, prefix))
    .sort((a, b) => a.shortName.localeCompare(b.shortName));
}

/**
 * The DLQ `<queue>` names: `<prefix><queue>-dlq`, else `<prefix><queue>-dlq.fifo` (found with
 * GetQueueUrl), and the queue whose RedrivePolicy points at it.
 * @param {Pick<RedriveContext, 'sqs' | 'prefix'>} context
 * @param {string} queue
 * @returns {Promise<DeadLetterQueue>}
 */
export async function findDeadLetterQueue({ sqs, prefix }, queue) {
  const base = queue.replace(/\.fifo$/, '');
  const candidates = queue.endsWith('.fifo')
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
 * The PutEvents entry that publishes a DLQ body (an EventBridge event) again, unchanged.
 * @param {string | undefined} body
 * @param {string} eventBusName
 * @returns {PutEventsRequestEntry}
 */
export function republishEntry(body, eventBusName) {
  /** @type {any} */
  let event;
  try {
    event = JSON.parse(body ?? '');
  } catch {
    throw new RedriveError('the body is not JSON, so not an EventBridge event');
  }
  const valid =
    typeof event?.source === 'string' &&
    typeof event['detail-type'] === 'string' &&
    typeof event.detail === 'object' &&
    event.detail !== null;
  if (!valid) throw new RedriveError('the body is not an EventBridge event (source, detail-type, detail)');
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
 * How a batch of received messages is forwarded. Each result says, in the batch's order, whether the
 * message reached its destination (then it is deleted from the DLQ) or why not (then it stays).
 * `stopOnFailure`: receive no further batches after a failure (keeps a FIFO group in order).
 * @typedef {{ stopOnFailure: boolean, forward(messages: Message[]): Promise<Array<true | string>> }} Forwarder
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
 * To the bus, one PutEvents per batch (at most 10 entries, the PutEvents limit).
 * @param {EventBridgeClient} eventBridge
 * @param {string} eventBusName
 * @returns {Forwarder}
 */
function toBus(eventBridge, eventBusName) {
  return {
    stopOnFailure: false,
    async forward(messages) {
      /** @type {Array<true | string>} */
      const results = [];
      /** @type {{ index: number, entry: PutEventsRequestEntry }[]} */
      const entries = [];
      messages.forEach((message, index) => {
        try {
          entries.push({ index, entry: republishEntry(message.Body, eventBusName) });
          results[index] = true;
        } catch (error) {
          results[index] = messageOf(error);
        }
      });
      if (entries.length === 0) return results;
      try {
        const output = await eventBridge.send(
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
 * be forwarded are held until the end (so they are not received again) and then released.
 * @param {RedriveContext} context
 * @param {QueueInfo} dlq
 * @param {number} limit
 * @param {Forwarder} forwarder
 * @returns {Promise<{ moved: number, failed: Failure[] }>}
 */
async function moveByHand(context, dlq, limit, forwarder) {
  const { sqs } = context;
  const progress = context.progress ?? (() => undefined);
  let moved = 0;
  /** @type {Failure[]} */
  const failed = [];
  /** @type {Message[]} */
  const held = [];
  try {
    while (moved + failed.length < limit) {
      const messages = await receive(sqs, dlq, limit - moved - failed.length);
      if (messages.length === 0) break;
      const results = await forwarder.forward(messages);
      for (const [index, message] of messages.entries()) {
        const result = results[index] ?? 'not forwarded';
        const id = message.MessageId ?? '?';
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
  return { moved, failed };
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
 * @returns {Promise<ListedMessage[]>}
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
  return held.map((message) => ({
    id: message.MessageId ?? '?',
    ...(message.Attributes?.MessageGroupId ? { group: message.Attributes.MessageGroupId } : {}),
    body: (message.Body ?? '').slice(0, PREVIEW_CHARS),
  }));
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
  const target = dlq.source ? dlq.source.name : context.eventBusName;
  const limit = Math.min(options.max ?? Number.POSITIVE_INFINITY, dlq.queue.visible);
  const summary = { dlq, target, moved: 0, failed: /** @type {Failure[]} */ ([]), listed: [] };
  context.progress?.(
    `${dlq.queue.name}: ${dlq.queue.visible} message(s) (${dlq.queue.inFlight} in flight) → ${dlq.kind === 'queue' ? `queue ${target}` : `bus ${target} (PutEvents)`}`,
  );
  if (options.dryRun) return { ...summary, listed: await peek(context, dlq.queue, limit) };
  if (limit === 0) return summary;
  if (dlq.source) {
    const result =
      options.useMoveTask && options.max === undefined
        ? await moveWithTask(context, dlq.queue, dlq.source)
        : await moveByHand(context, dlq.queue, limit, toSourceQueue(context.sqs, dlq.source));
    return { ...summary, ...result };
  }
  const result = await moveByHand(
    context,
    dlq.queue,
    limit,
    toBus(context.eventBridge, context.eventBusName),
  );
  return { ...summary, ...result };
}

// ---------------------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------------------

const USAGE = [
  'usage: npm run redrive -- <queue> [--dry-run] [--max N] [--stage local|test|<aws stage>] [--region R]',
  '       npm run redrive -- --list [--stage …] [--region R]',
].join('\n');
const ROOT = new URL('../', import.meta.url);
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The `service:` of serverless.yml, the first part of every resource name. */
function serviceName() {
  const match = /^service:\s*([\w-]+)/m.exec(readFileSync(new URL('serverless.yml', ROOT), 'utf8'));
  if (!match?.[1]) throw new RedriveError('serverless.yml has no `service:`');
  return match[1];
}

/**
 * Clients of a stage: the emulators of a local stage (stages.json), AWS otherwise.
 * @param {string} stage
 * @param {string | undefined} region
 */
export function clientsForStage(stage, region) {
  /** @type {Record<string, { sqsPort: number, eventBusPort: number }>} */
  const stages = JSON.parse(readFileSync(new URL('scripts/local-cloud/stages.json', ROOT), 'utf8'));
  const local = Object.hasOwn(stages, stage) ? stages[stage] : undefined;
  if (local) {
    const common = { region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
    return {
      local: true,
      // fauxqs queue URLs name *.localhost hosts: an explicit endpoint sends every call to the emulator.
      sqs: new SQSClient({
        ...common,
        endpoint: `http://127.0.0.1:${local.sqsPort}`,
        useQueueUrlAsEndpoint: false,
      }),
      eventBridge: new EventBridgeClient({ ...common, endpoint: `http://127.0.0.1:${local.eventBusPort}` }),
    };
  }
  const aws = { region: region ?? process.env.AWS_REGION ?? 'us-east-1' };
  return { local: false, sqs: new SQSClient(aws), eventBridge: new EventBridgeClient(aws) };
}

/**
 * @param {{ write(text: string): unknown }} out
 * @param {DeadLetterQueue[]} dlqs
 */
function printList(out, dlqs) {
  const rows = dlqs.map((dlq) => [
    dlq.shortName,
    String(dlq.queue.visible),
    String(dlq.queue.inFlight),
    dlq.source ? `queue ${dlq.source.name}` : 'rule targets → bus (PutEvents)',
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
 * The CLI: parses the arguments, runs, prints. Returns the exit code.
 * @param {string[]} argv
 * @param {{ stdout: { write(text: string): unknown }, stderr: { write(text: string): unknown } }} io
 * @returns {Promise<number>}
 */
export async function main(argv, io = process) {
  /** @param {string} message */
  const usage = (message) => {
    io.stderr.write(`redrive: ${message}\n${USAGE}\n`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        stage: { type: 'string', default: 'local' },
        region: { type: 'string' },
        max: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return usage(messageOf(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && !(Number.isInteger(max) && max > 0))
    return usage('--max takes a whole number > 0');
  const [queue, ...extra] = positionals;
  if (extra.length > 0) return usage(`one queue at a time (got ${positionals.join(', ')})`);
  if (!values.list && !queue) return usage('name a queue, or --list');

  /** @type {ReturnType<typeof clientsForStage> | undefined} */
  let clients;
  try {
    const service = serviceName();
    clients = clientsForStage(values.stage, values.region);
    /** @type {RedriveContext} */
    const context = {
      sqs: clients.sqs,
      eventBridge: clients.eventBridge,
      prefix: `${service}-${values.stage}-`,
      eventBusName: `${service}-${values.stage}-bus`,
      progress: (line) => io.stderr.write(`${line}\n`),
    };
    if (values.list || !queue) {
      printList(io.stdout, await listDeadLetterQueues(context));
      return 0;
    }
    const dryRun = values['dry-run'];
    const summary = await redrive(context, { queue, dryRun, max, useMoveTask: !clients.local });
    for (const message of summary.listed) {
      io.stdout.write(`${message.id}\t${message.group ?? '-'}\t${message.body.replace(/\s+/g, ' ')}\n`);
    }
    const done = dryRun
      ? `listed ${summary.listed.length} (dry run, nothing moved)`
      : `moved ${summary.moved}`;
    const note =
      dryRun && summary.dlq.queue.fifo ? '; a FIFO DLQ shows only the first message of each group' : '';
    io.stderr.write(
      `${summary.dlq.queue.name} → ${summary.target}: ${done}, failed ${summary.failed.length}${note}\n`,
    );
    for (const failure of summary.failed) io.stderr.write(`  ${failure.id}: ${failure.error}\n`);
    return summary.failed.length > 0 ? 1 : 0;
  } catch (error) {
    const down = clients?.local && /ECONNREFUSED/.test(messageOf(error));
    const hint = down ? ` (is the stack of stage "${values.stage}" running?)` : '';
    io.stderr.write(`redrive: ${messageOf(error)}${hint}\n`);
    return error instanceof RedriveError ? 2 : 1;
  } finally {
    clients?.sqs.destroy();
    clients?.eventBridge.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
