import type { EventEnvelope } from '../../events/envelope.js';

/** Keys of outbox records in a domain's own table; the stream filter of the relay matches this prefix. */
export const OUTBOX_KEY_PREFIX = 'OUTBOX#';
/**
 * Outbox records expire through DynamoDB TTL (seconds). They are the only copy of an event that the relay
 * gave up on (its failure record holds sequence numbers, not data), so they outlive that record: 14 days
 * in the outbox-relay-failures queue after at most the relay's maximum record age, plus a margin.
 */
const OUTBOX_RETENTION_SECONDS = 15 * 24 * 3600;

export interface OutboxRecord {
  pk: string;
  sk: string;
  entityType: 'OUTBOX';
  source: string;
  detailType: string;
  envelope: EventEnvelope;
  expiresAt: number;
  /** The X-Ray trace header of the invocation that stored the event (see `currentTraceHeader`). */
  traceHeader?: string;
}

/**
 * The X-Ray trace header Lambda gives the current invocation (`_X_AMZN_TRACE_ID`, set per invocation;
 * the local cloud sets one too). Stored beside an event, it lets the relay publish the event into the
 * trace of the request that caused it: a stream has no trace context of its own, so without it every
 * relay batch would start a new trace, and a saga would be cut into one trace per hop.
 */
export function currentTraceHeader(): string | undefined {
  return process.env._X_AMZN_TRACE_ID || undefined;
}

/**
 * The outbox item to write in the same TransactWriteItems as the state change that caused the event,
 * so that state and event are stored together or not at all.
 */
export function outboxPut(
  tableName: string,
  source: string,
  envelope: EventEnvelope,
  traceHeader = currentTraceHeader(),
) {
  const key = `${OUTBOX_KEY_PREFIX}${envelope.metadata.eventId}`;
  const record: OutboxRecord = {
    pk: key,
    sk: key,
    entityType: 'OUTBOX',
    source,
    detailType: envelope.metadata.eventType,
    envelope,
    expiresAt: Math.floor(Date.parse(envelope.metadata.occurredAt) / 1000) + OUTBOX_RETENTION_SECONDS,
    ...(traceHeader ? { traceHeader } : {}),
  };
  return {
    Put: {
      TableName: tableName,
      Item: record,
      // An event id is never reused: a second write of the same event is a bug, not an update.
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
