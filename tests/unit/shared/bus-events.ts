import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createEnvelope, type EventContract } from '../../../events/envelope.js';

const AT = new Date('2026-11-22T10:00:00.000Z');

export interface TestBusEvent<Data> {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { metadata: { eventId: string; correlationId: string }; data: Data };
}

/** A bus event of one of our contracts, as a rule target (or a forwarder) receives it. */
export function busEvent<Type extends string, Data>(
  contract: EventContract<Type, Data>,
  data: Data,
  options: { eventId?: string; correlationId?: string } = {},
): TestBusEvent<Data> {
  const correlationId = options.correlationId ?? 'corr-1';
  const detail = createEnvelope(
    contract,
    data,
    { correlationId, causationId: correlationId },
    { now: AT, ...(options.eventId ? { eventId: options.eventId } : {}) },
  );
  return {
    version: '0',
    id: `bus-${detail.metadata.eventId}`,
    'detail-type': contract.type,
    source: `commerce.${contract.producer}`,
    account: '000000000000',
    time: '2026-11-22T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

/**
 * Saga events as a FIFO consumer receives them from its queue after `fifoForwarder`: one record per
 * event, grouped by order id, in the given order.
 */
export function fifoBatch(...events: Array<TestBusEvent<{ orderId: string }>>): SQSEvent {
  const Records = events.map(
    (event, index): SQSRecord => ({
      messageId: `msg-${index + 1}-${event.detail.metadata.eventId}`,
      receiptHandle: `receipt-${index + 1}`,
      body: JSON.stringify(event),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1795860000000',
        SenderId: 'AIDA000000000',
        ApproximateFirstReceiveTimestamp: '1795860000001',
        MessageGroupId: event.detail.data.orderId,
        MessageDeduplicationId: event.detail.metadata.eventId,
        SequenceNumber: `1800000000000000${index}`,
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:commerce-test-events.fifo',
      awsRegion: 'us-east-1',
    }),
  );
  return { Records };
}

/**
 * Bus events (or any bodies) as a consumer with `busQueue` receives them from its standard queue: one
 * record per body, `msg-1`, `msg-2`, … in the given order.
 */
export function queueBatch(...bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map(
      (body, index): SQSRecord => ({
        messageId: `msg-${index + 1}`,
        receiptHandle: `receipt-${index + 1}`,
        body: JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1795860000000',
          SenderId: 'AIDA000000000',
          ApproximateFirstReceiveTimestamp: '1795860000001',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:commerce-test-consumer',
        awsRegion: 'us-east-1',
      }),
    ),
  };
}
