// Emulates the AWS Lambda event source mapping for DynamoDB Streams against DynamoDB Local.
// Plain ESM with JSDoc types: the Serverless CLI loads this file without a TypeScript compiler.
//
// Semantics kept from AWS: records of a shard are delivered in order, one batch in flight per shard; a parent
// shard is drained before its children; filter criteria drop records before batching (dropped records count as
// processed); the checkpoint only moves past records that were processed or given up on, so a shard waits behind
// a failing batch. On failure:
// - a function error is retried (whole batch, or from the lowest failed item with ReportBatchItemFailures) until
//   it succeeds, MaximumRetryAttempts is used up (-1 = no limit) or its records are older than
//   MaximumRecordAgeInSeconds (-1 = no limit; on AWS the stream's 24 h retention still applies, not here);
// - with BisectBatchOnFunctionError, a batch whose invocation failed is split in two and each half is retried on
//   its own, the first half first; a split does not use up a retry, so a poison record ends up alone in a batch
//   and only it is given up on. A partial batch response is not split further: the batch restarts at the lowest
//   failed record, as AWS does;
// - a failure to deliver (the Lambda endpoint is down) uses up no retry and splits nothing;
// - what is given up on is reported to onFailure as the on-failure destination's batch info (shard and sequence
//   numbers, never the records), and the checkpoint moves past it.
// Retries back off exponentially, as on AWS, but from 200 ms and up to 5 s, so local failures resolve quickly.

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { matchesEventPattern } from './event-pattern.mjs';
import { isFunctionError } from './lambda-invoke.mjs';

const MAX_RETRY_DELAY_MS = 5_000;
const DISCOVERY_INTERVAL_MS = 5_000;
const ERROR_BACKOFF_MS = 1_000;
const GET_RECORDS_MAX_LIMIT = 1_000;

/** @typedef {(level: 'info' | 'warn' | 'error', message: string) => void} Log */
/** @typedef {import('./lambda-invoke.mjs').AnyInvokeResult} InvokeResult */
/** @typedef {(functionKey: string, event: unknown) => Promise<InvokeResult>} Invoke */
/**
 * @typedef {object} CheckpointStore
 * @property {(key: string) => Promise<string | undefined>} get
 * @property {(key: string, sequenceNumber: string) => Promise<void>} put
 */
/** @typedef {import('aws-lambda').DynamoDBRecord} LambdaDynamoDBRecord */
/**
 * What onFailure receives when records are given up on: the DDBStreamBatchInfo of an on-failure destination
 * record, and why. No record data, as on AWS.
 * @typedef {object} StreamBatchFailure
 * @property {string} functionKey
 * @property {string} streamArn
 * @property {string} shardId
 * @property {'RetryAttemptsExhausted' | 'RecordAgeExceeded'} condition
 * @property {string} startSequenceNumber
 * @property {string} endSequenceNumber
 * @property {string | undefined} approximateArrivalOfFirstRecord ISO timestamp
 * @property {string | undefined} approximateArrivalOfLastRecord ISO timestamp
 * @property {number} batchSize
 * @property {number} attempts invocations that carried these records
 * @property {'function-error' | 'partial' | 'delivery' | 'none'} lastOutcome what the last failed attempt was
 * @property {string} lastError
 */
/** @typedef {'stopped' | 'stream-not-found' | 'stream-disabled'} StreamPollerEnd */
/**
 * @typedef {object} StreamPoller
 * @property {() => Promise<void>} stop ends polling and waits for in-flight batches
 * @property {Promise<StreamPollerEnd>} finished resolves when the poller ends for any reason
 */

/** @returns {CheckpointStore} an in-memory store (the default when none is given) */
export function createMemoryCheckpointStore() {
  /** @type {Map<string, string>} */
  const map = new Map();
  return {
    async get(key) {
      return map.get(key);
    },
    async put(key, sequenceNumber) {
      map.set(key, sequenceNumber);
    },
  };
}

/** Per-path write queues, so that several stores on one file in this process never lose each other's writes. */
/** @type {Map<string, Promise<void>>} */
const fileWriteQueues = new Map();

/**
 * A checkpoint store backed by a JSON file `{ "<streamArn>|<shardId>": "<sequenceNumber>" }`, written atomically
 * (temp file + rename). Every put re-reads the file and merges, so stores on the same file do not clobber
 * each other.
 * @param {string} path
 * @returns {CheckpointStore}
 */
export function createFileCheckpointStore(path) {
  return {
    async get(key) {
      const data = await readCheckpointFile(path);
      const value = data[key];
      return typeof value === 'string' ? value : undefined;
    },
    put(key, sequenceNumber) {
      const previous = fileWriteQueues.get(path) ?? Promise.resolve();
      const next = previous.then(async () => {
        const data = await readCheckpointFile(path);
        data[key] = sequenceNumber;
        await mkdir(dirname(path), { recursive: true });
        const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`);
        await rename(tmp, path);
      });
      const settled = next.catch(() => {});
      fileWriteQueues.set(path, settled);
      void settled.then(() => {
        if (fileWriteQueues.get(path) === settled) fileWriteQueues.delete(path);
      });
      return next;
    },
  };
}

/**
 * @param {string} path
 * @returns {Promise<Record<string, unknown>>}
 */
async function readCheckpointFile(path) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const data = JSON.parse(text);
    if (data && typeof data === 'object' && !Array.isArray(data)) return data;
  } catch {
    // fall through
  }
  throw new Error(`Checkpoint file ${path} is not a JSON object; fix or delete it.`);
}

/**
 * The options of startStreamPoller.
 * @typedef {object} StreamPollerOptions
 * @property {import('@aws-sdk/client-dynamodb-streams').DynamoDBStreamsClient} streams
 * @property {string} streamArn
 * @property {string} functionKey
 * @property {number} [batchSize] default 100 (GetRecords returns at most 1000)
 * @property {'TRIM_HORIZON' | 'LATEST'} [startingPosition] default TRIM_HORIZON
 * @property {object[]} [filterPatterns] Lambda filter criteria patterns (OR); none = deliver everything
 * @property {boolean} [reportBatchItemFailures] default false
 * @property {number} [maximumRetryAttempts] default -1 (retry forever)
 * @property {number} [maximumRecordAgeInSeconds] default -1 (no limit)
 * @property {boolean} [bisectBatchOnFunctionError] default false
 * @property {CheckpointStore} [checkpoints] default: in memory
 * @property {Invoke} invoke
 * @property {Log} log
 * @property {number} [pollIntervalMs] how often an idle shard is read: the next GetRecords after an empty one
 *   starts this long after it did; default 250, Lambda's base rate of 4 polls a second per shard
 * @property {number} [retryBaseDelayMs] first retry delay, doubled per attempt up to 5 s; default 200
 * @property {string} [region] awsRegion of the records, default us-east-1 (DynamoDB Local says "ddblocal")
 * @property {(info: StreamBatchFailure) => Promise<void>} [onFailure] called when records are given up on
 * @property {number} [discoveryIntervalMs] how often DescribeStream looks for new shards, default 5 s
 */
/**
 * @typedef {object} ShardState
 * @property {import('@aws-sdk/client-dynamodb-streams').Shard} shard
 * @property {'TRIM_HORIZON' | 'LATEST' | 'SKIP'} initialPosition
 * @property {'waiting' | 'running' | 'done'} status
 * @property {Promise<void> | undefined} task
 */
/**
 * A running poller: its settings (defaults applied) and its state, shared by the functions below.
 * @typedef {Required<Omit<StreamPollerOptions, 'onFailure' | 'batchSize'>> & {
 *   onFailure: StreamPollerOptions['onFailure'],
 *   limit: number,
 *   label: string,
 *   stopped: boolean,
 *   endReason: StreamPollerEnd,
 *   sleeper: Sleeper,
 *   discoverySleeper: Sleeper,
 *   shards: Map<string, ShardState>,
 * }} Poller
 */
/**
 * Where the reading of one shard is.
 * @typedef {object} ShardCursor
 * @property {string} shardId
 * @property {string} key checkpoint key
 * @property {string | undefined} lastSequenceNumber the checkpoint
 * @property {'TRIM_HORIZON' | 'LATEST'} position where to start when there is no checkpoint
 * @property {string | undefined} iterator
 * @property {number} errorCount read errors in a row
 */
/**
 * A batch still to deliver. `retries` counts the failed invocations that used up the retry quota (a split does
 * not, as on AWS); `invocations` every invocation that carried these records.
 * @typedef {{ records: LambdaDynamoDBRecord[], retries: number, invocations: number }} PendingBatch
 */
/**
 * The delivery of one GetRecords result.
 * @typedef {object} RecordsRun
 * @property {string} shardId
 * @property {string} key checkpoint key
 * @property {LambdaDynamoDBRecord[]} all every record of the result, the filtered-out ones included
 * @property {(record: LambdaDynamoDBRecord) => number} arrivalMs a record's arrival, for its age
 * @property {(sequenceNumber: string) => void} onCheckpoint
 * @property {PendingBatch[]} pending batches still to deliver, in shard order
 * @property {number} failuresInARow
 * @property {StreamBatchFailure['lastOutcome']} lastOutcome
 * @property {string} lastError
 */
/**
 * @typedef {{ kind: 'success' } | { kind: 'failure' | 'delivery', error: string } | { kind: 'partial', failedIndex: number, reason: string }} Outcome
 * @typedef {ReturnType<typeof createSleeper>} Sleeper
 */

/**
 * Starts polling a DynamoDB stream and invoking `functionKey` with Lambda-shaped DynamoDBStreamEvents.
 * @param {StreamPollerOptions} options
 * @returns {StreamPoller}
 */
export function startStreamPoller(options) {
  const poller = createPoller(options);
  const discoveryTask = discover(poller);
  const finished = (async () => {
    await discoveryTask;
    // Shards started before the end keep their promise in `task`; wait for all of them.
    await Promise.all([...poller.shards.values()].map((state) => state.task));
    return poller.endReason;
  })();

  return {
    finished,
    async stop() {
      end(poller, 'stopped');
      await finished;
    },
  };
}

/**
 * Checks the options and applies their defaults.
 * @param {StreamPollerOptions} options
 * @returns {Poller}
 */
function createPoller({
  streams,
  streamArn,
  functionKey,
  batchSize = 100,
  startingPosition = 'TRIM_HORIZON',
  filterPatterns = [],
  reportBatchItemFailures = false,
  maximumRetryAttempts = -1,
  maximumRecordAgeInSeconds = -1,
  bisectBatchOnFunctionError = false,
  checkpoints = createMemoryCheckpointStore(),
  invoke,
  log,
  pollIntervalMs = 250,
  retryBaseDelayMs = 200,
  region = 'us-east-1',
  onFailure,
  discoveryIntervalMs = DISCOVERY_INTERVAL_MS,
}) {
  if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') {
    throw new Error(`startStreamPoller(${functionKey}): startingPosition must be TRIM_HORIZON or LATEST`);
  }
  for (const pattern of filterPatterns) {
    try {
      matchesEventPattern(pattern, {});
    } catch (error) {
      throw new Error(
        `startStreamPoller(${functionKey}): invalid filter pattern ${JSON.stringify(pattern)}: ${errorMessage(error)}`,
      );
    }
  }
  return {
    streams,
    streamArn,
    functionKey,
    startingPosition,
    filterPatterns,
    reportBatchItemFailures,
    maximumRetryAttempts,
    maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError,
    checkpoints,
    invoke,
    log,
    pollIntervalMs,
    retryBaseDelayMs,
    region,
    onFailure,
    discoveryIntervalMs,
    limit: Math.max(1, Math.min(batchSize, GET_RECORDS_MAX_LIMIT)),
    label: `[${functionKey} <- ${streamLabel(streamArn)}]`,
    stopped: false,
    endReason: 'stopped',
    // Retry back-offs and poll pauses are only cut short by the end of the poller; the discovery pause also by
    // a shard that finished (its children may now be runnable).
    sleeper: createSleeper(),
    discoverySleeper: createSleeper(),
    shards: new Map(),
  };
}

/**
 * @param {Poller} poller
 * @param {StreamPollerEnd} reason
 */
function end(poller, reason) {
  if (poller.stopped) return;
  poller.endReason = reason;
  poller.stopped = true;
  poller.sleeper.wakeAll();
  poller.discoverySleeper.wakeAll();
}

/**
 * @param {Poller} poller
 * @param {unknown} error
 * @param {string} operation
 * @returns {boolean} whether the error was the stream vanishing (the poller is then ending)
 */
function handleVanished(poller, error, operation) {
  if (errorName(error) !== 'ResourceNotFoundException') return false;
  if (!poller.stopped) {
    poller.log(
      'warn',
      `${poller.label} ${operation}: the stream no longer exists (was the table deleted or recreated, or DynamoDB Local ` +
        'restarted in memory?). Stopping this poller.',
    );
    end(poller, 'stream-not-found');
  }
  return true;
}

// -------------------------------------------------------------------------------------------------------------
// Shard discovery: parents before children
// -------------------------------------------------------------------------------------------------------------

/**
 * Every shard of the stream, page by page.
 * @param {Poller} poller
 * @returns {Promise<import('@aws-sdk/client-dynamodb-streams').StreamDescription>}
 */
async function describeStream(poller) {
  /** @type {import('@aws-sdk/client-dynamodb-streams').Shard[]} */
  const all = [];
  /** @type {string | undefined} */
  let exclusiveStartShardId;
  /** @type {import('@aws-sdk/client-dynamodb-streams').StreamDescription} */
  let description = {};
  do {
    const response = await poller.streams.send(
      new DescribeStreamCommand({
        StreamArn: poller.streamArn,
        ExclusiveStartShardId: exclusiveStartShardId,
      }),
    );
    description = response.StreamDescription ?? {};
    all.push(...(description.Shards ?? []));
    exclusiveStartShardId = description.LastEvaluatedShardId;
  } while (exclusiveStartShardId && !poller.stopped);
  return { ...description, Shards: all };
}

/**
 * Looks for new shards every `discoveryIntervalMs` (or as soon as a shard is done) and starts those whose parent
 * is done, until the poller stops or the stream is disabled and fully read.
 * @param {Poller} poller
 */
async function discover(poller) {
  let first = true;
  while (!poller.stopped) {
    /** @type {import('@aws-sdk/client-dynamodb-streams').StreamDescription} */
    let description;
    try {
      description = await describeStream(poller);
    } catch (error) {
      if (handleVanished(poller, error, 'DescribeStream')) break;
      poller.log('warn', `${poller.label} DescribeStream failed: ${errorMessage(error)}; retrying.`);
      await poller.sleeper.sleep(ERROR_BACKOFF_MS);
      continue;
    }
    addNewShards(poller, description.Shards ?? [], first);
    first = false;
    startRunnableShards(poller);
    const allDone = [...poller.shards.values()].every((state) => state.status === 'done');
    if (description.StreamStatus === 'DISABLED' && allDone) {
      poller.log(
        'warn',
        `${poller.label} the stream is disabled and fully read (table deleted, recreated or its stream turned off). ` +
          'Stopping this poller.',
      );
      end(poller, 'stream-disabled');
      break;
    }
    await poller.discoverySleeper.sleep(poller.discoveryIntervalMs);
  }
}

/**
 * @param {Poller} poller
 * @param {import('@aws-sdk/client-dynamodb-streams').Shard[]} found
 * @param {boolean} first whether these are the shards that exist when the mapping starts
 */
function addNewShards(poller, found, first) {
  for (const shard of found) {
    const shardId = shard.ShardId;
    if (!shardId || poller.shards.has(shardId)) continue;
    const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    /** @type {ShardState['initialPosition']} */
    let initialPosition = 'TRIM_HORIZON';
    // LATEST only applies to the shards that exist when the mapping starts; shards created later (children)
    // are read from their beginning, as AWS does.
    if (first && poller.startingPosition === 'LATEST') initialPosition = closed ? 'SKIP' : 'LATEST';
    poller.shards.set(shardId, { shard, initialPosition, status: 'waiting', task: undefined });
  }
}

/** @param {Poller} poller */
function startRunnableShards(poller) {
  for (const [shardId, state] of poller.shards) {
    if (state.status !== 'waiting' || poller.stopped) continue;
    const parentId = state.shard.ParentShardId;
    const parent = parentId ? poller.shards.get(parentId) : undefined;
    if (parent && parent.status !== 'done') continue;
    state.status = 'running';
    state.task = runShard(poller, shardId, state.initialPosition).then(
      () => {
        state.status = 'done';
        // A drained shard may have children waiting; look for them now rather than at the next interval.
        poller.discoverySleeper.wakeAll();
        startRunnableShards(poller);
      },
      (error) => {
        // runShard handles its own errors; this is a bug guard, not a control path.
        poller.log(
          'error',
          `${poller.label} shard ${shardId} stopped on an unexpected error: ${errorMessage(error)}`,
        );
        state.status = 'done';
      },
    );
  }
}

// -------------------------------------------------------------------------------------------------------------
// Reading a shard
// -------------------------------------------------------------------------------------------------------------

/**
 * Reads a shard from its checkpoint (or its initial position) until it is closed and fully read, or the poller
 * stops.
 * @param {Poller} poller
 * @param {string} shardId
 * @param {ShardState['initialPosition']} initialPosition
 */
async function runShard(poller, shardId, initialPosition) {
  const key = `${poller.streamArn}|${shardId}`;
  /** @type {string | undefined} */
  let lastSequenceNumber;
  try {
    lastSequenceNumber = await poller.checkpoints.get(key);
  } catch (error) {
    poller.log(
      'error',
      `${poller.label} cannot read the checkpoint of shard ${shardId}: ${errorMessage(error)}`,
    );
    end(poller, 'stopped');
    return;
  }
  if (initialPosition === 'SKIP' && lastSequenceNumber === undefined) return;
  /** @type {ShardCursor} */
  const cursor = {
    shardId,
    key,
    lastSequenceNumber,
    position: initialPosition === 'SKIP' ? 'TRIM_HORIZON' : initialPosition,
    iterator: undefined,
    errorCount: 0,
  };
  while (!poller.stopped) {
    try {
      if (!(await readOnce(poller, cursor))) return;
    } catch (error) {
      if (poller.stopped) return;
      if (handleVanished(poller, error, `reading shard ${shardId}`)) return;
      await recoverFromReadError(poller, cursor, error);
    }
  }
}

/**
 * One GetRecords, and the delivery of what it returned.
 * @param {Poller} poller
 * @param {ShardCursor} cursor
 * @returns {Promise<boolean>} false when the shard is done, or the poller stopped while retrying (the checkpoint
 *   then stays before the unprocessed records)
 */
async function readOnce(poller, cursor) {
  if (cursor.iterator === undefined) {
    cursor.iterator = await shardIterator(poller, cursor);
    if (cursor.iterator === undefined) return false; // the shard has nothing more to read
  }
  const polledAt = Date.now();
  const response = await poller.streams.send(
    new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: poller.limit }),
  );
  cursor.errorCount = 0;
  const records = response.Records ?? [];
  if (records.length > 0) {
    const done = await processRecords(poller, cursor.shardId, cursor.key, records, (sequenceNumber) => {
      cursor.lastSequenceNumber = sequenceNumber;
    });
    if (!done) return false;
  }
  if (!response.NextShardIterator) return false; // closed shard, fully read
  cursor.iterator = response.NextShardIterator;
  // An idle shard is polled once per interval, however long GetRecords took (Lambda: 4 times a second).
  if (records.length === 0)
    await poller.sleeper.sleep(Math.max(0, poller.pollIntervalMs - (Date.now() - polledAt)));
  return true;
}

/**
 * An iterator after the checkpoint, else at the cursor's position.
 * @param {Poller} poller
 * @param {ShardCursor} cursor
 * @returns {Promise<string | undefined>}
 */
async function shardIterator(poller, cursor) {
  const { streamArn } = poller;
  const { shardId, lastSequenceNumber } = cursor;
  /** @type {import('@aws-sdk/client-dynamodb-streams').GetShardIteratorInput} */
  const input =
    lastSequenceNumber === undefined
      ? { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: cursor.position }
      : {
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          SequenceNumber: lastSequenceNumber,
        };
  const response = await poller.streams.send(new GetShardIteratorCommand(input));
  // LATEST is a one-off: once positioned, later re-positioning must not skip records written meanwhile.
  cursor.position = 'TRIM_HORIZON';
  return response.ShardIterator;
}

/**
 * After a failed read: a new iterator next time; from the oldest record when the checkpoint is trimmed or not
 * valid for the shard; a growing pause for other errors.
 * @param {Poller} poller
 * @param {ShardCursor} cursor
 * @param {unknown} error
 */
async function recoverFromReadError(poller, cursor, error) {
  const { label, log } = poller;
  const { shardId } = cursor;
  const name = errorName(error);
  cursor.iterator = undefined;
  if (name === 'ExpiredIteratorException') return;
  if (name === 'TrimmedDataAccessException') {
    log(
      'warn',
      `${label} shard ${shardId}: records after the checkpoint were trimmed; reading from the oldest.`,
    );
    cursor.lastSequenceNumber = undefined;
    cursor.position = 'TRIM_HORIZON';
    return;
  }
  if (
    name === 'ValidationException' &&
    cursor.lastSequenceNumber !== undefined &&
    /SequenceNumber/i.test(errorMessage(error))
  ) {
    log(
      'warn',
      `${label} shard ${shardId}: checkpoint ${cursor.lastSequenceNumber} is not valid for this shard ` +
        `(${errorMessage(error)}); reading the shard from its oldest record.`,
    );
    cursor.lastSequenceNumber = undefined;
    cursor.position = 'TRIM_HORIZON';
    return;
  }
  cursor.errorCount++;
  log('warn', `${label} shard ${shardId}: ${name}: ${errorMessage(error)}; retrying.`);
  await poller.sleeper.sleep(Math.min(ERROR_BACKOFF_MS * cursor.errorCount, MAX_RETRY_DELAY_MS));
}

// -------------------------------------------------------------------------------------------------------------
// Delivering records: retries, bisection, record age, giving up
// -------------------------------------------------------------------------------------------------------------

/**
 * Delivers one GetRecords result, retrying, bisecting and giving up as configured.
 * @param {Poller} poller
 * @param {string} shardId
 * @param {string} key checkpoint key
 * @param {import('@aws-sdk/client-dynamodb-streams')._Record[]} rawRecords
 * @param {(sequenceNumber: string) => void} onCheckpoint
 * @returns {Promise<boolean>} false if the poller stopped before the records were dealt with
 */
async function processRecords(poller, shardId, key, rawRecords, onCheckpoint) {
  const run = startRun(poller, shardId, key, rawRecords, onCheckpoint);
  while (run.pending.length > 0) {
    if (poller.stopped) return false;
    const batch = /** @type {PendingBatch} */ (run.pending[0]);
    if (await giveUpOnExpired(poller, run, batch)) continue;

    const result = await safeInvoke(poller.invoke, poller.functionKey, { Records: batch.records });
    const outcome = evaluate(result, batch.records, poller.reportBatchItemFailures);
    if (outcome.kind === 'success') {
      run.pending.shift();
      await checkpointBefore(poller, run, run.pending[0]?.records[0]);
      run.failuresInARow = 0;
      run.lastOutcome = 'none';
      run.lastError = '';
      continue;
    }
    run.failuresInARow++;
    if ((await handleFailure(poller, run, batch, outcome)) === 'retry')
      await backOff(poller, run, batch, outcome);
  }
  // Also moves past a result whose records the filter all dropped.
  await checkpointBefore(poller, run, undefined);
  return true;
}

/**
 * The records of a GetRecords result in Lambda's shape, and those the filter keeps as the first batch.
 * @param {Poller} poller
 * @param {string} shardId
 * @param {string} key
 * @param {import('@aws-sdk/client-dynamodb-streams')._Record[]} rawRecords
 * @param {(sequenceNumber: string) => void} onCheckpoint
 * @returns {RecordsRun}
 */
function startRun(poller, shardId, key, rawRecords, onCheckpoint) {
  const { filterPatterns } = poller;
  const all = rawRecords.map((record) => toLambdaRecord(record, poller.streamArn, poller.region));
  // A record's age, for MaximumRecordAgeInSeconds. DynamoDB Local rounds ApproximateCreationDateTime down to the
  // minute (AWS: to the second), which would age a record by up to a minute at once. A record was written before
  // this read and no later than a minute after its timestamp; the later bound keeps the age from ever exceeding
  // the true one (the poller reads new records within its poll interval, so it is close).
  const readAt = Date.now();
  /** @param {LambdaDynamoDBRecord} record */
  const arrivalMs = (record) => {
    const seconds = record.dynamodb?.ApproximateCreationDateTime;
    return seconds === undefined ? readAt : Math.min(readAt, seconds * 1000 + 60_000);
  };
  const selected =
    filterPatterns.length === 0
      ? all
      : all.filter((record) => filterPatterns.some((pattern) => matchesEventPattern(pattern, record)));
  return {
    shardId,
    key,
    all,
    arrivalMs,
    onCheckpoint,
    pending: selected.length > 0 ? [{ records: selected, retries: 0, invocations: 0 }] : [],
    failuresInARow: 0,
    lastOutcome: 'none',
    lastError: '',
  };
}

/**
 * Everything before `next` is dealt with, including records the filter dropped; no `next` = the whole result.
 * @param {Poller} poller
 * @param {RecordsRun} run
 * @param {LambdaDynamoDBRecord | undefined} next
 */
async function checkpointBefore(poller, run, next) {
  const index = next ? run.all.indexOf(next) : run.all.length;
  const before = run.all[index - 1];
  if (!before) return;
  const sequenceNumber = sequenceNumberOf(before);
  run.onCheckpoint(sequenceNumber);
  try {
    await poller.checkpoints.put(run.key, sequenceNumber);
  } catch (error) {
    poller.log(
      'error',
      `${poller.label} cannot write the checkpoint of shard ${run.shardId}: ${errorMessage(error)}`,
    );
  }
}

/**
 * With MaximumRecordAgeInSeconds, gives up on the records at the front of the batch that are too old to send.
 * @param {Poller} poller
 * @param {RecordsRun} run
 * @param {PendingBatch} batch
 * @returns {Promise<boolean>} whether it gave up on any
 */
async function giveUpOnExpired(poller, run, batch) {
  if (poller.maximumRecordAgeInSeconds < 0) return false;
  // Records arrive in order, so the ones too old to send are at the front of the batch.
  const oldestAllowed = Date.now() - poller.maximumRecordAgeInSeconds * 1000;
  const expired = batch.records.findIndex((record) => run.arrivalMs(record) >= oldestAllowed);
  const count = expired === -1 ? batch.records.length : expired;
  if (count === 0) return false;
  await giveUp(poller, run, batch.records.slice(0, count), 'RecordAgeExceeded', batch.invocations);
  batch.records = batch.records.slice(count);
  if (batch.records.length === 0) run.pending.shift();
  await checkpointBefore(poller, run, run.pending[0]?.records[0]);
  return true;
}

/**
 * Applies a failed invocation to the batch: a delivery failure uses up nothing; a partial failure restarts the
 * batch at its lowest failed record; a function error splits the batch (bisect) or uses up a retry. A batch
 * whose retries are used up is given up on.
 * @param {Poller} poller
 * @param {RecordsRun} run
 * @param {PendingBatch} batch
 * @param {Exclude<Outcome, { kind: 'success' }>} outcome
 * @returns {Promise<'retry' | 'next'>} retry the batch after a back-off, or go on with the next one at once
 */
async function handleFailure(poller, run, batch, outcome) {
  if (outcome.kind === 'delivery') {
    // The handler never ran: AWS retries until the records expire, without using up retries or splitting.
    run.lastError = outcome.error;
    if (run.lastOutcome === 'none') run.lastOutcome = 'delivery';
    return 'retry';
  }
  batch.invocations++;
  if (outcome.kind === 'partial') {
    run.lastOutcome = 'partial';
    run.lastError = outcome.reason;
    // The batch restarts at the lowest failed record (with bisect on too: it is split there); the records
    // behind that one have failed once.
    if (outcome.failedIndex > 0) {
      await checkpointBefore(poller, run, batch.records[outcome.failedIndex]);
      batch.records = batch.records.slice(outcome.failedIndex);
      batch.retries = 1;
    } else {
      batch.retries++;
    }
  } else {
    run.lastOutcome = 'function-error';
    run.lastError = outcome.error;
    if (poller.bisectBatchOnFunctionError && batch.records.length > 1) {
      await bisect(poller, run, batch);
      return 'next';
    }
    batch.retries++;
  }
  if (poller.maximumRetryAttempts >= 0 && batch.retries > poller.maximumRetryAttempts) {
    run.pending.shift();
    await giveUp(poller, run, batch.records, 'RetryAttemptsExhausted', batch.invocations);
    await checkpointBefore(poller, run, run.pending[0]?.records[0]);
    return 'next';
  }
  return 'retry';
}

/**
 * Splits the failed batch in two, each half retried on its own (the first half first), after a back-off.
 * @param {Poller} poller
 * @param {RecordsRun} run
 * @param {PendingBatch} batch the first pending batch
 */
async function bisect(poller, run, batch) {
  const middle = Math.ceil(batch.records.length / 2);
  run.pending.splice(
    0,
    1,
    { ...batch, records: batch.records.slice(0, middle) },
    { ...batch, records: batch.records.slice(middle) },
  );
  poller.log(
    'warn',
    `${poller.label} batch of ${batch.records.length} record(s) from shard ${run.shardId} failed: ${run.lastError}; ` +
      `split into ${middle} + ${batch.records.length - middle}.`,
  );
  await poller.sleeper.sleep(backoffMs(poller, run.failuresInARow));
}

/**
 * Waits before retrying the batch, exponentially longer with each failure in a row.
 * @param {Poller} poller
 * @param {RecordsRun} run
 * @param {PendingBatch} batch
 * @param {Outcome} outcome
 */
async function backOff(poller, run, batch, outcome) {
  const { maximumRetryAttempts } = poller;
  const delay = backoffMs(poller, run.failuresInARow);
  poller.log(
    'warn',
    `${poller.label} batch of ${batch.records.length} record(s) from shard ${run.shardId} failed ` +
      `(${outcome.kind === 'delivery' ? 'not delivered' : `retry ${batch.retries}${maximumRetryAttempts >= 0 ? ` of ${maximumRetryAttempts}` : ''}`}): ` +
      `${run.lastError}; retrying in ${delay} ms.`,
  );
  await poller.sleeper.sleep(delay);
}

/**
 * @param {Poller} poller
 * @param {number} failuresInARow
 */
function backoffMs(poller, failuresInARow) {
  return Math.min(poller.retryBaseDelayMs * 2 ** (failuresInARow - 1), MAX_RETRY_DELAY_MS);
}

/**
 * Logs the records given up on and reports them to onFailure (shard and sequence numbers, never the records).
 * @param {Poller} poller
 * @param {RecordsRun} run
 * @param {LambdaDynamoDBRecord[]} records
 * @param {StreamBatchFailure['condition']} condition
 * @param {number} invocations
 */
async function giveUp(poller, run, records, condition, invocations) {
  const { shardId, lastError } = run;
  const first = /** @type {LambdaDynamoDBRecord} */ (records[0]);
  const last = /** @type {LambdaDynamoDBRecord} */ (records[records.length - 1]);
  poller.log(
    'error',
    `${poller.label} giving up on ${records.length} record(s) of shard ${shardId} ` +
      `(${sequenceNumberOf(first)}..${sequenceNumberOf(last)}), ${condition} after ${invocations} ` +
      `invocation(s)${lastError ? `: ${lastError}` : ''}`,
  );
  if (!poller.onFailure) return;
  try {
    await poller.onFailure({
      functionKey: poller.functionKey,
      streamArn: poller.streamArn,
      shardId,
      condition,
      startSequenceNumber: sequenceNumberOf(first),
      endSequenceNumber: sequenceNumberOf(last),
      approximateArrivalOfFirstRecord: arrivalOf(first),
      approximateArrivalOfLastRecord: arrivalOf(last),
      batchSize: records.length,
      attempts: invocations,
      lastOutcome: run.lastOutcome,
      lastError,
    });
  } catch (failureError) {
    poller.log('error', `${poller.label} onFailure handler failed: ${errorMessage(failureError)}`);
  }
}

/**
 * The message an on-failure destination receives for records given up on (AWS's shape for DynamoDB streams).
 * @param {StreamBatchFailure} failure
 * @param {string} functionArn unqualified ARN of the deployed function
 */
export function streamFailureRecord(failure, functionArn) {
  // With no invocation behind it (records aged out before being sent, or never delivered) there is no response to
  // describe; statusCode 0 says so rather than claiming a 200.
  /** @type {{ statusCode: number, executedVersion: string, functionError?: 'Unhandled' }} */
  const responseContext =
    failure.lastOutcome === 'delivery' || failure.lastOutcome === 'none'
      ? { statusCode: 0, executedVersion: '' }
      : { statusCode: 200, executedVersion: '$LATEST' };
  if (failure.lastOutcome === 'function-error') responseContext.functionError = 'Unhandled';
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn,
      condition: failure.condition,
      approximateInvokeCount: failure.attempts,
    },
    responseContext,
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: failure.shardId,
      startSequenceNumber: failure.startSequenceNumber,
      endSequenceNumber: failure.endSequenceNumber,
      approximateArrivalOfFirstRecord: failure.approximateArrivalOfFirstRecord,
      approximateArrivalOfLastRecord: failure.approximateArrivalOfLastRecord,
      batchSize: failure.batchSize,
      streamArn: failure.streamArn,
    },
  };
}

/**
 * @param {unknown} result
 * @param {LambdaDynamoDBRecord[]} batch
 * @param {boolean} reportBatchItemFailures
 * @returns {Outcome}
 */
function evaluate(result, batch, reportBatchItemFailures) {
  const invoked = /** @type {InvokeResult} */ (result);
  if (!invoked.ok) return { kind: isFunctionError(invoked) ? 'failure' : 'delivery', error: invoked.error };
  if (!reportBatchItemFailures) return { kind: 'success' };
  const parsed = parseBatchItemFailures(invoked.payload);
  if (parsed === 'malformed') {
    return { kind: 'failure', error: 'the handler returned a malformed batchItemFailures response' };
  }
  if (parsed.length === 0) return { kind: 'success' };
  let failedIndex = Number.POSITIVE_INFINITY;
  for (const identifier of parsed) {
    const index = batch.findIndex((record) => record.dynamodb?.SequenceNumber === identifier);
    if (index === -1) {
      return {
        kind: 'failure',
        error: `the handler reported batchItemFailures itemIdentifier ${JSON.stringify(identifier)}, which is not a SequenceNumber of the batch`,
      };
    }
    failedIndex = Math.min(failedIndex, index);
  }
  return {
    kind: 'partial',
    failedIndex,
    reason: `the handler reported ${parsed.length} failed record(s), the first being ${batch[failedIndex]?.dynamodb?.SequenceNumber}`,
  };
}

/**
 * Lambda's rules: a null/undefined/empty response or batchItemFailures means success; an itemIdentifier that
 * is missing, null, empty or not a string makes the whole batch a failure.
 * @param {unknown} payload
 * @returns {string[] | 'malformed'}
 */
export function parseBatchItemFailures(payload) {
  if (payload === undefined || payload === null) return [];
  if (typeof payload !== 'object' || Array.isArray(payload)) return 'malformed';
  const failures = /** @type {{ batchItemFailures?: unknown }} */ (payload).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return 'malformed';
  /** @type {string[]} */
  const identifiers = [];
  for (const failure of failures) {
    const identifier =
      failure && typeof failure === 'object'
        ? /** @type {{ itemIdentifier?: unknown }} */ (failure).itemIdentifier
        : undefined;
    if (typeof identifier !== 'string' || identifier === '') return 'malformed';
    identifiers.push(identifier);
  }
  return identifiers;
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
 * Converts an SDK v3 stream record to the object Lambda passes in DynamoDBStreamEvent.Records.
 * @param {import('@aws-sdk/client-dynamodb-streams')._Record} record
 * @param {string} streamArn
 * @param {string} region
 * @returns {LambdaDynamoDBRecord}
 */
export function toLambdaRecord(record, streamArn, region) {
  const source = record.dynamodb ?? {};
  /** @type {NonNullable<LambdaDynamoDBRecord['dynamodb']>} */
  const dynamodb = {};
  if (source.ApproximateCreationDateTime !== undefined) {
    dynamodb.ApproximateCreationDateTime = toEpochSeconds(source.ApproximateCreationDateTime);
  }
  if (source.Keys) dynamodb.Keys = toLambdaItem(source.Keys);
  if (source.NewImage) dynamodb.NewImage = toLambdaItem(source.NewImage);
  if (source.OldImage) dynamodb.OldImage = toLambdaItem(source.OldImage);
  dynamodb.SequenceNumber = source.SequenceNumber;
  dynamodb.SizeBytes = source.SizeBytes;
  dynamodb.StreamViewType = source.StreamViewType;
  /** @type {LambdaDynamoDBRecord} */
  const lambdaRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    eventSourceARN: streamArn,
  };
  if (record.userIdentity) {
    lambdaRecord.userIdentity = {
      type: record.userIdentity.Type,
      principalId: record.userIdentity.PrincipalId,
    };
  }
  return lambdaRecord;
}

/**
 * @param {Date | number | string} value
 * @returns {number}
 */
function toEpochSeconds(value) {
  if (value instanceof Date) return value.getTime() / 1000;
  if (typeof value === 'number') return value;
  return Date.parse(value) / 1000;
}

/**
 * @param {Record<string, unknown>} item
 * @returns {Record<string, any>}
 */
function toLambdaItem(item) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [name, value] of Object.entries(item)) out[name] = toLambdaAttributeValue(value);
  return out;
}

/**
 * SDK v3 attribute values carry binaries as Uint8Array; Lambda's JSON carries base64 strings.
 * @param {any} value
 * @returns {any}
 */
function toLambdaAttributeValue(value) {
  if (!value || typeof value !== 'object') return value;
  if (value.B !== undefined) return { B: toBase64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(toBase64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  if (value.M !== undefined) return { M: toLambdaItem(value.M) };
  for (const type of ['S', 'N', 'BOOL', 'NULL', 'SS', 'NS']) {
    if (value[type] !== undefined) return { [type]: value[type] };
  }
  return value;
}

/**
 * @param {Uint8Array | string} bytes
 * @returns {string}
 */
function toBase64(bytes) {
  return typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('base64');
}

/**
 * @param {LambdaDynamoDBRecord | undefined} record
 * @returns {string}
 */
function sequenceNumberOf(record) {
  return record?.dynamodb?.SequenceNumber ?? '';
}

/**
 * @param {LambdaDynamoDBRecord} record
 * @returns {string | undefined}
 */
function arrivalOf(record) {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();
}

/**
 * `table/<name>/stream/<label>` part of a stream ARN, for log lines.
 * @param {string} arn
 */
function streamLabel(arn) {
  const index = arn.indexOf(':table/');
  return index === -1 ? arn : arn.slice(index + 1);
}

/** Sleeps that stop() can cut short. */
function createSleeper() {
  /** @type {Set<() => void>} */
  const wakers = new Set();
  return {
    /** @param {number} ms */
    sleep(ms) {
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          wakers.delete(wake);
          resolve(undefined);
        };
        const timer = setTimeout(wake, ms);
        wakers.add(wake);
      });
    },
    wakeAll() {
      for (const wake of [...wakers]) wake();
    },
  };
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
