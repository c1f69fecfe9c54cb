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
 * Starts polling a DynamoDB stream and invoking `functionKey` with Lambda-shaped DynamoDBStreamEvents.
 * @param {object} options
 * @param {import('@aws-sdk/client-dynamodb-streams').DynamoDBStreamsClient} options.streams
 * @param {string} options.streamArn
 * @param {string} options.functionKey
 * @param {number} [options.batchSize] default 100 (GetRecords returns at most 1000)
 * @param {'TRIM_HORIZON' | 'LATEST'} [options.startingPosition] default TRIM_HORIZON
 * @param {object[]} [options.filterPatterns] Lambda filter criteria patterns (OR); none = deliver everything
 * @param {boolean} [options.reportBatchItemFailures] default false
 * @param {number} [options.maximumRetryAttempts] default -1 (retry forever)
 * @param {number} [options.maximumRecordAgeInSeconds] default -1 (no limit)
 * @param {boolean} [options.bisectBatchOnFunctionError] default false
 * @param {CheckpointStore} [options.checkpoints] default: in memory
 * @param {Invoke} options.invoke
 * @param {Log} options.log
 * @param {number} [options.pollIntervalMs] pause after an empty GetRecords, default 200
 * @param {number} [options.retryBaseDelayMs] first retry delay, doubled per attempt up to 5 s; default 200
 * @param {string} [options.region] awsRegion of the records, default us-east-1 (DynamoDB Local says "ddblocal")
 * @param {(info: StreamBatchFailure) => Promise<void>} [options.onFailure] called when records are given up on
 * @param {number} [options.discoveryIntervalMs] how often DescribeStream looks for new shards, default 5 s
 * @returns {StreamPoller}
 */
export function startStreamPoller({
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
  pollIntervalMs = 200,
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
  const limit = Math.max(1, Math.min(batchSize, GET_RECORDS_MAX_LIMIT));
  const label = `[${functionKey} <- ${streamLabel(streamArn)}]`;

  let stopped = false;
  /** @type {StreamPollerEnd} */
  let endReason = 'stopped';
  // Retry back-offs and poll pauses are only cut short by the end of the poller; the discovery pause also by a
  // shard that finished (its children may now be runnable).
  const sleeper = createSleeper();
  const discoverySleeper = createSleeper();

  /**
   * @typedef {object} ShardState
   * @property {import('@aws-sdk/client-dynamodb-streams').Shard} shard
   * @property {'TRIM_HORIZON' | 'LATEST' | 'SKIP'} initialPosition
   * @property {'waiting' | 'running' | 'done'} status
   * @property {Promise<void> | undefined} task
   */
  /** @type {Map<string, ShardState>} */
  const shards = new Map();

  /** @param {StreamPollerEnd} reason */
  const end = (reason) => {
    if (stopped) return;
    endReason = reason;
    stopped = true;
    sleeper.wakeAll();
    discoverySleeper.wakeAll();
  };

  /**
   * @param {unknown} error
   * @param {string} operation
   * @returns {boolean} whether the error was the stream vanishing (the poller is then ending)
   */
  const handleVanished = (error, operation) => {
    if (errorName(error) !== 'ResourceNotFoundException') return false;
    if (!stopped) {
      log(
        'warn',
        `${label} ${operation}: the stream no longer exists (was the table deleted or recreated, or DynamoDB Local ` +
          'restarted in memory?). Stopping this poller.',
      );
      end('stream-not-found');
    }
    return true;
  };

  /** @returns {Promise<import('@aws-sdk/client-dynamodb-streams').StreamDescription>} */
  const describeStream = async () => {
    /** @type {import('@aws-sdk/client-dynamodb-streams').Shard[]} */
    const all = [];
    /** @type {string | undefined} */
    let exclusiveStartShardId;
    /** @type {import('@aws-sdk/client-dynamodb-streams').StreamDescription} */
    let description = {};
    do {
      const response = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      description = response.StreamDescription ?? {};
      all.push(...(description.Shards ?? []));
      exclusiveStartShardId = description.LastEvaluatedShardId;
    } while (exclusiveStartShardId && !stopped);
    return { ...description, Shards: all };
  };

  const discovery = async () => {
    let first = true;
    while (!stopped) {
      /** @type {import('@aws-sdk/client-dynamodb-streams').StreamDescription} */
      let description;
      try {
        description = await describeStream();
      } catch (error) {
        if (handleVanished(error, 'DescribeStream')) break;
        log('warn', `${label} DescribeStream failed: ${errorMessage(error)}; retrying.`);
        await sleeper.sleep(ERROR_BACKOFF_MS);
        continue;
      }
      for (const shard of description.Shards ?? []) {
        const shardId = shard.ShardId;
        if (!shardId || shards.has(shardId)) continue;
        const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
        /** @type {ShardState['initialPosition']} */
        let initialPosition = 'TRIM_HORIZON';
        // LATEST only applies to the shards that exist when the mapping starts; shards created later (children)
        // are read from their beginning, as AWS does.
        if (first && startingPosition === 'LATEST') initialPosition = closed ? 'SKIP' : 'LATEST';
        shards.set(shardId, { shard, initialPosition, status: 'waiting', task: undefined });
      }
      first = false;
      startRunnableShards();
      const allDone = [...shards.values()].every((state) => state.status === 'done');
      if (description.StreamStatus === 'DISABLED' && allDone) {
        log(
          'warn',
          `${label} the stream is disabled and fully read (table deleted, recreated or its stream turned off). ` +
            'Stopping this poller.',
        );
        end('stream-disabled');
        break;
      }
      await discoverySleeper.sleep(discoveryIntervalMs);
    }
  };

  const startRunnableShards = () => {
    for (const [shardId, state] of shards) {
      if (state.status !== 'waiting' || stopped) continue;
      const parentId = state.shard.ParentShardId;
      const parent = parentId ? shards.get(parentId) : undefined;
      if (parent && parent.status !== 'done') continue;
      state.status = 'running';
      state.task = runShard(shardId, state.initialPosition).then(
        () => {
          state.status = 'done';
          // A drained shard may have children waiting; look for them now rather than at the next interval.
          discoverySleeper.wakeAll();
          startRunnableShards();
        },
        (error) => {
          // runShard handles its own errors; this is a bug guard, not a control path.
          log('error', `${label} shard ${shardId} stopped on an unexpected error: ${errorMessage(error)}`);
          state.status = 'done';
        },
      );
    }
  };

  /**
   * @param {string} shardId
   * @param {ShardState['initialPosition']} initialPosition
   */
  const runShard = async (shardId, initialPosition) => {
    const key = `${streamArn}|${shardId}`;
    /** @type {string | undefined} */
    let lastSequenceNumber;
    try {
      lastSequenceNumber = await checkpoints.get(key);
    } catch (error) {
      log('error', `${label} cannot read the checkpoint of shard ${shardId}: ${errorMessage(error)}`);
      end('stopped');
      return;
    }
    if (initialPosition === 'SKIP' && lastSequenceNumber === undefined) return;
    let position = initialPosition === 'SKIP' ? 'TRIM_HORIZON' : initialPosition;

    /** @returns {Promise<string | undefined>} */
    const getIterator = async () => {
      /** @type {import('@aws-sdk/client-dynamodb-streams').GetShardIteratorInput} */
      const input =
        lastSequenceNumber === undefined
          ? { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: /** @type {any} */ (position) }
          : {
              StreamArn: streamArn,
              ShardId: shardId,
              ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
              SequenceNumber: lastSequenceNumber,
            };
      const response = await streams.send(new GetShardIteratorCommand(input));
      // LATEST is a one-off: once positioned, later re-positioning must not skip records written meanwhile.
      position = 'TRIM_HORIZON';
      return response.ShardIterator;
    };

    /** @type {string | undefined} */
    let iterator;
    let errorCount = 0;
    while (!stopped) {
      try {
        if (iterator === undefined) {
          iterator = await getIterator();
          if (iterator === undefined) return; // the shard has nothing more to read
        }
        const response = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
        errorCount = 0;
        const records = response.Records ?? [];
        if (records.length > 0) {
          const done = await processRecords(shardId, key, records, (sequenceNumber) => {
            lastSequenceNumber = sequenceNumber;
          });
          if (!done) return; // stopped while retrying: the checkpoint stays before the unprocessed records
        }
        if (!response.NextShardIterator) return; // closed shard, fully read
        iterator = response.NextShardIterator;
        if (records.length === 0) await sleeper.sleep(pollIntervalMs);
      } catch (error) {
        if (stopped) return;
        if (handleVanished(error, `reading shard ${shardId}`)) return;
        const name = errorName(error);
        iterator = undefined;
        if (name === 'ExpiredIteratorException') continue;
        if (name === 'TrimmedDataAccessException') {
          log(
            'warn',
            `${label} shard ${shardId}: records after the checkpoint were trimmed; reading from the oldest.`,
          );
          lastSequenceNumber = undefined;
          position = 'TRIM_HORIZON';
          continue;
        }
        if (
          name === 'ValidationException' &&
          lastSequenceNumber !== undefined &&
          /SequenceNumber/i.test(errorMessage(error))
        ) {
          log(
            'warn',
            `${label} shard ${shardId}: checkpoint ${lastSequenceNumber} is not valid for this shard ` +
              `(${errorMessage(error)}); reading the shard from its oldest record.`,
          );
          lastSequenceNumber = undefined;
          position = 'TRIM_HORIZON';
          continue;
        }
        errorCount++;
        log('warn', `${label} shard ${shardId}: ${name}: ${errorMessage(error)}; retrying.`);
        await sleeper.sleep(Math.min(ERROR_BACKOFF_MS * errorCount, MAX_RETRY_DELAY_MS));
      }
    }
  };

  /**
   * Delivers one GetRecords result, retrying, bisecting and giving up as configured.
   * @param {string} shardId
   * @param {string} key checkpoint key
   * @param {import('@aws-sdk/client-dynamodb-streams')._Record[]} rawRecords
   * @param {(sequenceNumber: string) => void} onCheckpoint
   * @returns {Promise<boolean>} false if the poller stopped before the records were dealt with
   */
  const processRecords = async (shardId, key, rawRecords, onCheckpoint) => {
    const all = rawRecords.map((record) => toLambdaRecord(record, streamArn, region));
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
    /** @param {string} sequenceNumber */
    const checkpoint = async (sequenceNumber) => {
      onCheckpoint(sequenceNumber);
      try {
        await checkpoints.put(key, sequenceNumber);
      } catch (error) {
        log('error', `${label} cannot write the checkpoint of shard ${shardId}: ${errorMessage(error)}`);
      }
    };
    /**
     * Everything before `next` is dealt with, including records the filter dropped; no `next` = the whole result.
     * @param {LambdaDynamoDBRecord | undefined} next
     */
    const checkpointBefore = async (next) => {
      const index = next ? all.indexOf(next) : all.length;
      const before = all[index - 1];
      if (before) await checkpoint(sequenceNumberOf(before));
    };
    const selected =
      filterPatterns.length === 0
        ? all
        : all.filter((record) => filterPatterns.some((pattern) => matchesEventPattern(pattern, record)));

    /**
     * Batches still to deliver, in shard order. `retries` counts the failed invocations that used up the retry
     * quota (a split does not, as on AWS); `invocations` every invocation that carried these records.
     * @type {{ records: LambdaDynamoDBRecord[], retries: number, invocations: number }[]}
     */
    const pending = selected.length > 0 ? [{ records: selected, retries: 0, invocations: 0 }] : [];
    let failuresInARow = 0;
    /** @type {StreamBatchFailure['lastOutcome']} */
    let lastOutcome = 'none';
    let lastError = '';

    /**
     * @param {LambdaDynamoDBRecord[]} records
     * @param {StreamBatchFailure['condition']} condition
     * @param {number} invocations
     */
    const giveUp = async (records, condition, invocations) => {
      const first = /** @type {LambdaDynamoDBRecord} */ (records[0]);
      const last = /** @type {LambdaDynamoDBRecord} */ (records[records.length - 1]);
      log(
        'error',
        `${label} giving up on ${records.length} record(s) of shard ${shardId} ` +
          `(${sequenceNumberOf(first)}..${sequenceNumberOf(last)}), ${condition} after ${invocations} ` +
          `invocation(s)${lastError ? `: ${lastError}` : ''}`,
      );
      if (!onFailure) return;
      try {
        await onFailure({
          functionKey,
          streamArn,
          shardId,
          condition,
          startSequenceNumber: sequenceNumberOf(first),
          endSequenceNumber: sequenceNumberOf(last),
          approximateArrivalOfFirstRecord: arrivalOf(first),
          approximateArrivalOfLastRecord: arrivalOf(last),
          batchSize: records.length,
          attempts: invocations,
          lastOutcome,
          lastError,
        });
      } catch (failureError) {
        log('error', `${label} onFailure handler failed: ${errorMessage(failureError)}`);
      }
    };

    while (pending.length > 0) {
      if (stopped) return false;
      const batch = /** @type {(typeof pending)[number]} */ (pending[0]);

      if (maximumRecordAgeInSeconds >= 0) {
        // Records arrive in order, so the ones too old to send are at the front of the batch.
        const oldestAllowed = Date.now() - maximumRecordAgeInSeconds * 1000;
        const expired = batch.records.findIndex((record) => arrivalMs(record) >= oldestAllowed);
        const count = expired === -1 ? batch.records.length : expired;
        if (count > 0) {
          await giveUp(batch.records.slice(0, count), 'RecordAgeExceeded', batch.invocations);
          batch.records = batch.records.slice(count);
          if (batch.records.length === 0) pending.shift();
          await checkpointBefore(pending[0]?.records[0]);
          continue;
        }
      }

      const result = await safeInvoke(invoke, functionKey, { Records: batch.records });
      const outcome = evaluate(result, batch.records, reportBatchItemFailures);
      if (outcome.kind === 'success') {
        pending.shift();
        await checkpointBefore(pending[0]?.records[0]);
        failuresInARow = 0;
        lastOutcome = 'none';
        lastError = '';
        continue;
      }
      failuresInARow++;

      if (outcome.kind === 'delivery') {
        // The handler never ran: AWS retries until the records expire, without using up retries or splitting.
        lastError = outcome.error;
        if (lastOutcome === 'none') lastOutcome = 'delivery';
      } else {
        batch.invocations++;
        if (outcome.kind === 'partial') {
          lastOutcome = 'partial';
          lastError = outcome.reason;
          // The batch restarts at the lowest failed record (with bisect on too: it is split there); the records
          // behind that one have failed once.
          if (outcome.failedIndex > 0) {
            await checkpointBefore(batch.records[outcome.failedIndex]);
            batch.records = batch.records.slice(outcome.failedIndex);
            batch.retries = 1;
          } else {
            batch.retries++;
          }
        } else {
          lastOutcome = 'function-error';
          lastError = outcome.error;
          if (bisectBatchOnFunctionError && batch.records.length > 1) {
            const middle = Math.ceil(batch.records.length / 2);
            pending.splice(
              0,
              1,
              { ...batch, records: batch.records.slice(0, middle) },
              { ...batch, records: batch.records.slice(middle) },
            );
            log(
              'warn',
              `${label} batch of ${batch.records.length} record(s) from shard ${shardId} failed: ${lastError}; ` +
                `split into ${middle} + ${batch.records.length - middle}.`,
            );
            await sleeper.sleep(backoffMs(failuresInARow));
            continue;
          }
          batch.retries++;
        }
        if (maximumRetryAttempts >= 0 && batch.retries > maximumRetryAttempts) {
          pending.shift();
          await giveUp(batch.records, 'RetryAttemptsExhausted', batch.invocations);
          await checkpointBefore(pending[0]?.records[0]);
          continue;
        }
      }

      const delay = backoffMs(failuresInARow);
      log(
        'warn',
        `${label} batch of ${batch.records.length} record(s) from shard ${shardId} failed ` +
          `(${outcome.kind === 'delivery' ? 'not delivered' : `retry ${batch.retries}${maximumRetryAttempts >= 0 ? ` of ${maximumRetryAttempts}` : ''}`}): ` +
          `${lastError}; retrying in ${delay} ms.`,
      );
      await sleeper.sleep(delay);
    }
    // Also moves past a result whose records the filter all dropped.
    await checkpointBefore(undefined);
    return true;
  };

  /** @param {number} failuresInARow */
  const backoffMs = (failuresInARow) =>
    Math.min(retryBaseDelayMs * 2 ** (failuresInARow - 1), MAX_RETRY_DELAY_MS);

  const discoveryTask = discovery();
  const finished = (async () => {
    await discoveryTask;
    // Shards started before the end keep their promise in `task`; wait for all of them.
    await Promise.all([...shards.values()].map((state) => state.task));
    return endReason;
  })();

  return {
    finished,
    async stop() {
      end('stopped');
      await finished;
    },
  };
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
 * @returns {{ kind: 'success' } | { kind: 'failure' | 'delivery', error: string } | { kind: 'partial', failedIndex: number, reason: string }}
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
