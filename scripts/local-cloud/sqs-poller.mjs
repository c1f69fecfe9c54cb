// Emulates the AWS Lambda event source mapping for SQS (standard and FIFO) against a local SQS (fauxqs).
// Plain ESM with JSDoc types: the Serverless CLI loads this file without a TypeScript compiler.
//
// Semantics kept from AWS: Lambda-shaped SQSEvent; after a successful invocation every message is deleted except
// those the handler lists in batchItemFailures (ReportBatchItemFailures); a malformed response or an unknown
// itemIdentifier fails the whole batch; after a failed invocation nothing is deleted, so messages come back when
// their visibility timeout expires and the queue's redrive policy sends them to the DLQ after maxReceiveCount (every
// receive counts, including those of messages a FIFO consumer skipped behind a failed one). One batch is in flight
// at a time, which keeps FIFO message groups in order; a batch holds several messages of one group, in order, as on
// AWS, because the local queue's receive does (fauxqs-fifo.mjs).

import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';

const MAX_ERROR_BACKOFF_MS = 5_000;
const FIRST_ERROR_BACKOFF_MS = 250;
/** How often a batch that is still filling asks the queue for more during its batching window. */
const BATCHING_POLL_MS = 100;

/** @typedef {(level: 'info' | 'warn' | 'error', message: string) => void} Log */
/** @typedef {import('./lambda-invoke.mjs').AnyInvokeResult} InvokeResult */
/** @typedef {(functionKey: string, event: unknown) => Promise<InvokeResult>} Invoke */
/** @typedef {import('aws-lambda').SQSRecord} LambdaSQSRecord */
/**
 * @typedef {object} SqsPoller
 * @property {() => Promise<void>} stop ends the loop and waits for the batch in flight (and the current long poll,
 *   at most waitTimeSeconds)
 */

/**
 * The options of startSqsPoller.
 * @typedef {object} SqsPollerOptions
 * @property {import('@aws-sdk/client-sqs').SQSClient} sqs
 * @property {string} queueUrl
 * @property {string} queueArn
 * @property {string} functionKey
 * @property {number} [batchSize] default 10; more than 10 needs a batching window, as on AWS
 * @property {number} [maximumBatchingWindowInSeconds] default 0: how long Lambda keeps gathering
 *   messages for a batch that is not full yet (AWS: 0-300 s); the batch is invoked when it is full, when the
 *   window has passed since its first message, or at 6 MB
 * @property {boolean} [reportBatchItemFailures] default false
 * @property {Invoke} invoke
 * @property {Log} log
 * @property {number} [waitTimeSeconds] long-poll wait, default 1
 * @property {string} [region] awsRegion of the records, default us-east-1
 */
/**
 * A running poller: its settings (defaults applied) and its state, shared by the functions below.
 * @typedef {Required<SqsPollerOptions> & {
 *   windowMs: number,
 *   maxMessages: number,
 *   label: string,
 *   stopped: boolean,
 *   wakeBackoff: (() => void) | undefined,
 * }} Poller
 */

/**
 * Starts polling `queueUrl` and invoking `functionKey` with Lambda-shaped SQSEvents.
 * @param {SqsPollerOptions} options
 * @returns {SqsPoller}
 */
export function startSqsPoller(options) {
  const poller = createPoller(options);
  const running = loop(poller).catch((error) => {
    poller.log('error', `${poller.label} poller stopped on an unexpected error: ${errorMessage(error)}`);
  });
  return {
    async stop() {
      poller.stopped = true;
      poller.wakeBackoff?.();
      await running;
    },
  };
}

/**
 * Checks the options and applies their defaults.
 * @param {SqsPollerOptions} options
 * @returns {Poller}
 */
function createPoller({
  batchSize = 10,
  maximumBatchingWindowInSeconds = 0,
  reportBatchItemFailures = false,
  waitTimeSeconds = 1,
  region = 'us-east-1',
  ...required
}) {
  if (batchSize > 10 && !(maximumBatchingWindowInSeconds >= 1)) {
    throw new Error(
      `A batch size of ${batchSize} needs a maximum batching window of at least 1 s (AWS refuses the mapping).`,
    );
  }
  const { queueArn, functionKey } = required;
  return {
    ...required,
    batchSize,
    maximumBatchingWindowInSeconds,
    reportBatchItemFailures,
    waitTimeSeconds,
    region,
    windowMs: Math.max(0, maximumBatchingWindowInSeconds) * 1000,
    maxMessages: Math.max(1, Math.min(batchSize, 10)),
    label: `[${functionKey} <- ${queueArn.slice(queueArn.lastIndexOf(':') + 1)}]`,
    stopped: false,
    wakeBackoff: undefined,
  };
}

/**
 * A pause that stop() cuts short.
 * @param {Poller} poller
 * @param {number} ms
 */
function backoff(poller, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      poller.wakeBackoff = undefined;
      resolve(undefined);
    }
    poller.wakeBackoff = done;
  });
}

/**
 * Receives, gathers a batch and invokes the function with it, one batch at a time, until stopped.
 * @param {Poller} poller
 */
async function loop(poller) {
  let errorCount = 0;
  while (!poller.stopped) {
    /** @type {import('@aws-sdk/client-sqs').Message[]} */
    let messages;
    try {
      messages = await receive(poller, poller.maxMessages, poller.waitTimeSeconds);
      errorCount = 0;
    } catch (error) {
      if (poller.stopped) break;
      errorCount++;
      const delay = Math.min(FIRST_ERROR_BACKOFF_MS * 2 ** (errorCount - 1), MAX_ERROR_BACKOFF_MS);
      poller.log(
        'warn',
        `${poller.label} ReceiveMessage failed: ${errorName(error)}: ${errorMessage(error)}; retrying in ${delay} ms.`,
      );
      await backoff(poller, delay);
      continue;
    }
    if (messages.length > 0 && poller.windowMs > 0) messages = await fillBatch(poller, messages);
    // Messages received just before stop() are still processed: they are invisible to everyone else anyway.
    if (messages.length > 0) await processBatch(poller, messages);
  }
}

/**
 * @param {Poller} poller
 * @param {number} maxMessages
 * @param {number} waitTimeSeconds
 */
async function receive(poller, maxMessages, waitTimeSeconds) {
  const response = await poller.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: poller.queueUrl,
      MaxNumberOfMessages: maxMessages,
      WaitTimeSeconds: waitTimeSeconds,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return response.Messages ?? [];
}

/**
 * Lambda's batching window: the batch keeps gathering until it holds `batchSize` messages or the window
 * has passed since its first message. The gathered messages stay invisible meanwhile, as on AWS.
 * @param {Poller} poller
 * @param {import('@aws-sdk/client-sqs').Message[]} first
 */
async function fillBatch(poller, first) {
  const { batchSize } = poller;
  const batch = [...first];
  const deadline = Date.now() + poller.windowMs;
  while (!poller.stopped && batch.length < batchSize && Date.now() < deadline) {
    try {
      const more = await receive(poller, Math.min(10, batchSize - batch.length), 0);
      batch.push(...more);
      if (more.length === 0)
        await backoff(poller, Math.min(BATCHING_POLL_MS, Math.max(0, deadline - Date.now())));
    } catch (error) {
      poller.log(
        'warn',
        `${poller.label} ReceiveMessage failed while filling a batch: ${errorMessage(error)}; invoking it as is.`,
      );
      break;
    }
  }
  return batch;
}

/**
 * Invokes the function with the batch and deletes what it processed: every message after a success, but those it
 * lists in batchItemFailures (ReportBatchItemFailures); nothing after a failure.
 * @param {Poller} poller
 * @param {import('@aws-sdk/client-sqs').Message[]} messages
 */
async function processBatch(poller, messages) {
  const { label, log } = poller;
  const records = messages.map((message) => toLambdaRecord(message, poller.queueArn, poller.region));
  const result = await safeInvoke(poller.invoke, poller.functionKey, { Records: records });
  if (!result.ok) {
    log(
      'warn',
      `${label} handler failed on a batch of ${records.length}: ${result.error}. Nothing deleted; the messages ` +
        'return after their visibility timeout.',
    );
    return;
  }
  /** @type {Set<string>} */
  let failed = new Set();
  if (poller.reportBatchItemFailures) {
    const verdict = failedMessageIds(result.payload, records);
    if (typeof verdict === 'string') {
      log('warn', `${label} ${verdict}; treating the whole batch of ${records.length} as failed.`);
      return;
    }
    failed = verdict;
    if (failed.size > 0) {
      log(
        'info',
        `${label} handler reported ${failed.size} of ${records.length} message(s) as failed; keeping them.`,
      );
    }
  }
  const toDelete = records.filter((record) => !failed.has(record.messageId));
  await deleteMessages(poller, toDelete);
}

/**
 * DeleteMessageBatch in chunks of 10; a message that could not be deleted is logged (it will be redelivered).
 * @param {Poller} poller
 * @param {LambdaSQSRecord[]} records
 */
async function deleteMessages(poller, records) {
  const { label, log } = poller;
  for (let start = 0; start < records.length; start += 10) {
    const chunk = records.slice(start, start + 10);
    try {
      const response = await poller.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: poller.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      for (const failure of response.Failed ?? []) {
        const record = chunk[Number(failure.Id)];
        log(
          'warn',
          `${label} could not delete message ${record?.messageId}: ${failure.Code} ${failure.Message ?? ''}; it will be redelivered.`,
        );
      }
    } catch (error) {
      log(
        'error',
        `${label} DeleteMessageBatch failed: ${errorMessage(error)}; ${chunk.length} message(s) will be redelivered.`,
      );
    }
  }
}
/**
 * Lambda's rules for ReportBatchItemFailures: a null/undefined/empty response or batchItemFailures is a full
 * success; a response that is not an object, a batchItemFailures that is not an array, an itemIdentifier that is
 * missing/null/empty/not a string, or one that is not a messageId of the batch fails the whole batch.
 * @param {unknown} payload
 * @param {LambdaSQSRecord[]} records
 * @returns {Set<string> | string} the failed message ids, or why the whole batch counts as failed
 */
export function failedMessageIds(payload, records) {
  /** @type {Set<string>} */
  const failed = new Set();
  if (payload === undefined || payload === null) return failed;
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    return `the handler returned ${JSON.stringify(payload)} instead of a { batchItemFailures } object`;
  }
  const failures = /** @type {{ batchItemFailures?: unknown }} */ (payload).batchItemFailures;
  if (failures === undefined || failures === null) return failed;
  if (!Array.isArray(failures)) return 'the handler returned a batchItemFailures that is not an array';
  const ids = new Set(records.map((record) => record.messageId));
  for (const failure of failures) {
    const identifier =
      failure && typeof failure === 'object'
        ? /** @type {{ itemIdentifier?: unknown }} */ (failure).itemIdentifier
        : undefined;
    if (typeof identifier !== 'string' || identifier === '') {
      return `the handler returned a malformed batchItemFailures entry ${JSON.stringify(failure)}`;
    }
    if (!ids.has(identifier)) {
      return `the handler reported itemIdentifier ${JSON.stringify(identifier)}, which is not a messageId of the batch`;
    }
    failed.add(identifier);
  }
  return failed;
}

/**
 * Converts an SDK v3 SQS message to the record Lambda passes in SQSEvent.Records.
 * @param {import('@aws-sdk/client-sqs').Message} message
 * @param {string} queueArn
 * @param {string} region
 * @returns {LambdaSQSRecord}
 */
export function toLambdaRecord(message, queueArn, region) {
  const system = message.Attributes ?? {};
  const sentTimestamp = system.SentTimestamp ?? String(Date.now());
  /** @type {LambdaSQSRecord['attributes']} */
  const attributes = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: sentTimestamp,
    SenderId: system.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? sentTimestamp,
  };
  for (const name of /** @type {const} */ ([
    'SequenceNumber',
    'MessageGroupId',
    'MessageDeduplicationId',
    'AWSTraceHeader',
    'DeadLetterQueueSourceArn',
  ])) {
    const value = system[name];
    if (value !== undefined) attributes[name] = value;
  }
  /** @type {LambdaSQSRecord['messageAttributes']} */
  const messageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    /** @type {LambdaSQSRecord['messageAttributes'][string]} */
    const attribute = {};
    if (value.StringValue !== undefined) attribute.stringValue = value.StringValue;
    if (value.BinaryValue !== undefined)
      attribute.binaryValue = Buffer.from(value.BinaryValue).toString('base64');
    attribute.stringListValues = value.StringListValues ?? [];
    attribute.binaryListValues = (value.BinaryListValues ?? []).map((bytes) =>
      Buffer.from(bytes).toString('base64'),
    );
    attribute.dataType = value.DataType ?? 'String';
    messageAttributes[name] = attribute;
  }
  // Key order as in Lambda's JSON (md5OfMessageAttributes, when present, right after messageAttributes).
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes,
    ...(message.MD5OfMessageAttributes === undefined
      ? {}
      : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * @param {Invoke} invoke
 * @param {string} functionKey
 * @param {unknown} event
 * @returns {Promise<InvokeResult>}
 */
async function safeInvoke(invoke, functionKey, event) {
  try {
    const result = await invoke(functionKey, event);
    if (result && typeof result === 'object' && typeof result.ok === 'boolean') return result;
    return { ok: false, error: `invoke returned an unexpected value: ${JSON.stringify(result)}` };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

/**
 * @param {unknown} error
 * @returns {string}
 */
function errorName(error) {
  return error && typeof error === 'object' && 'name' in error ? String(error.name) : 'Error';
}

/**
 * @param {unknown} error
 * @returns {string}
 */
function errorMessage(error) {
  return error instanceof Error ? error.message : String(error);
}
