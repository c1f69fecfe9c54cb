import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { eventBridge } from '../aws/clients.js';
import { requiredEnv } from '../config.js';
import { logger, metrics } from '../observability.js';
import { OUTBOX_KEY_PREFIX, type OutboxRecord } from './record.js';

const PUT_EVENTS_MAX_ENTRIES = 10;
const ATTEMPTS_PER_INVOCATION = 4;

interface PendingEntry {
  sequenceNumber: string;
  entry: PutEventsRequestEntry;
}

function toEntry(record: DynamoDBRecord, eventBusName: string): PendingEntry | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>) as Partial<OutboxRecord>;
  if (!item.pk?.startsWith(OUTBOX_KEY_PREFIX) || !item.envelope) return undefined;
  return {
    sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
    entry: {
      EventBusName: eventBusName,
      Source: item.source,
      DetailType: item.detailType,
      Detail: JSON.stringify(item.envelope),
      Time: new Date(item.envelope.metadata.occurredAt),
    },
  };
}

/** Publishes in chunks of ten; returns the entries that failed, in stream order. */
async function putAll(pending: PendingEntry[]): Promise<PendingEntry[]> {
  const failed: PendingEntry[] = [];
  for (let start = 0; start < pending.length; start += PUT_EVENTS_MAX_ENTRIES) {
    const chunk = pending.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
    try {
      const result = await eventBridge().send(new PutEventsCommand({ Entries: chunk.map((p) => p.entry) }));
      result.Entries?.forEach((entry, index) => {
        const sent = chunk[index];
        if (entry.ErrorCode && sent) {
          logger.warn('PutEvents rejected an entry', {
            errorCode: entry.ErrorCode,
            errorMessage: entry.ErrorMessage,
          });
          failed.push(sent);
        }
      });
    } catch (error) {
      logger.warn('PutEvents failed', { error: error as Error });
      failed.push(...chunk);
    }
  }
  return failed;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Relays outbox records from a domain table's stream to the event bus. Failed entries are retried with
 * backoff; whatever still fails is reported as a batch item failure, so the stream redelivers from the
 * first unpublished record on: an event is never dropped (it may be published twice; consumers are
 * idempotent by event id).
 */
export async function relayOutbox(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const eventBusName = requiredEnv('EVENT_BUS_NAME');
  let pending = event.Records.map((record) => toEntry(record, eventBusName)).filter(
    (entry): entry is PendingEntry => entry !== undefined,
  );
  const total = pending.length;
  for (let attempt = 1; attempt <= ATTEMPTS_PER_INVOCATION && pending.length > 0; attempt++) {
    if (attempt > 1) await sleep(100 * 2 ** attempt);
    pending = await putAll(pending);
  }
  metrics.addMetric('OutboxEventsPublished', MetricUnit.Count, total - pending.length);
  const firstFailure = pending[0];
  if (!firstFailure) return { batchItemFailures: [] };
  metrics.addMetric('OutboxPublishFailures', MetricUnit.Count, pending.length);
  logger.error('Outbox events could not be published yet; the stream will retry', {
    unpublished: pending.length,
  });
  return { batchItemFailures: [{ itemIdentifier: firstFailure.sequenceNumber }] };
}

export function outboxRelayHandler() {
  return middy(relayOutbox)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}
