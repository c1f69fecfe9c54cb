import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventEnvelope } from '../../events/envelope.js';
import { eventBridge } from '../aws/clients.js';
import { requiredEnv } from '../config.js';
import { withConsumerMiddleware } from '../consumers/middleware.js';
import { logger, metrics } from '../observability.js';
import { OUTBOX_KEY_PREFIX, type OutboxRecord } from './record.js';

const PUT_EVENTS_MAX_ENTRIES = 10;
const ATTEMPTS_PER_INVOCATION = 4;

interface PendingEntry {
  sequenceNumber: string;
  entry: PutEventsRequestEntry;
}

/** An event to publish, with the bus source it is published as. */
export interface RelayedEvent {
  source: string;
  envelope: EventEnvelope;
  /** The trace the event belongs to: that of the invocation that stored it (shared/outbox/record.ts). */
  traceHeader?: string;
}

export interface RelayOptions {
  /**
   * The events a state item's own stream record carries (INSERT or MODIFY, its NEW_IMAGE unmarshalled):
   * for a state change whose event can only be made from the stored result, e.g. an atomic update's new
   * figures. Must be deterministic (same image, same event ids): a record may be relayed again.
   */
  derive?: (newImage: Record<string, unknown>) => RelayedEvent[];
}

/** The events of one stream record: an inserted outbox record's, or what `derive` finds in a state item. */
function eventsOf(record: DynamoDBRecord, options: RelayOptions): RelayedEvent[] {
  const image = record.dynamodb?.NewImage;
  if (!image || (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY')) return [];
  const item = unmarshall(image as Record<string, AttributeValue>);
  const outbox = item as Partial<OutboxRecord>;
  if (outbox.pk?.startsWith(OUTBOX_KEY_PREFIX)) {
    // An outbox record is an event once, when inserted.
    if (record.eventName !== 'INSERT' || !outbox.envelope) return [];
    return [{ source: outbox.source as string, envelope: outbox.envelope, traceHeader: outbox.traceHeader }];
  }
  return options.derive?.(item) ?? [];
}

function entriesOf(record: DynamoDBRecord, eventBusName: string, options: RelayOptions): PendingEntry[] {
  return eventsOf(record, options).map(({ source, envelope, traceHeader }) => ({
    sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
    entry: {
      EventBusName: eventBusName,
      Source: source,
      DetailType: envelope.metadata.eventType,
      Detail: JSON.stringify(envelope),
      Time: new Date(envelope.metadata.occurredAt),
      // EventBridge hands each target the entry's trace header: the consumers join the writer's trace.
      ...(traceHeader ? { TraceHeader: traceHeader } : {}),
    },
  }));
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
 * Relays outbox records (and the events `options.derive` finds in state items) from a domain table's
 * stream to the event bus. Failed entries are retried with backoff; whatever still fails is reported as a
 * batch item failure, so the stream redelivers from the first unpublished record on: an event is never
 * dropped (it may be published twice; consumers are idempotent by event id).
 */
export async function relayOutbox(
  event: DynamoDBStreamEvent,
  options: RelayOptions = {},
): Promise<DynamoDBBatchResponse> {
  const eventBusName = requiredEnv('EVENT_BUS_NAME');
  let pending = event.Records.flatMap((record) => entriesOf(record, eventBusName, options));
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

export function outboxRelayHandler(options: RelayOptions = {}) {
  return withConsumerMiddleware((event: DynamoDBStreamEvent) => relayOutbox(event, options));
}
