import { ValidationError } from '../../shared/errors.js';
import type { ListEventsQuery, RecordableEvent } from './schemas.js';

/**
 * One stored bus event. `event` is the whole EventBridge event exactly as the bus delivered it; the other
 * attributes are copied out of it to find it by. These attribute names are a contract: `npm run replay`
 * scans the table expecting them.
 */
export interface StoredEvent {
  eventId: string;
  eventType: string;
  eventVersion: number;
  occurredAt: string;
  correlationId: string;
  /** See `aggregateIdOf`; absent when the event's data names no aggregate. */
  aggregateId?: string;
  /** The bus's `time` of the first delivery stored (a re-published event keeps the first one). */
  time: string;
  event: RecordableEvent;
}

/** Where an event belongs, in order of preference: an order's events before a product's or a customer's. */
export const AGGREGATE_ID_FIELDS = ['orderId', 'productId', 'customerId'] as const;

/**
 * The aggregate an event is about: the first of `data.orderId`, `data.productId`, `data.customerId` that
 * is a non-empty string. Only top-level fields count: the product ids of an order's lines do not make
 * OrderPlaced a product event, and StockReserved (orderId and lines) belongs to its order.
 */
export function aggregateIdOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  for (const field of AGGREGATE_ID_FIELDS) {
    const value = (data as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

export function toStoredEvent(event: RecordableEvent): StoredEvent {
  const { eventId, eventType, eventVersion, occurredAt, correlationId } = event.detail.metadata;
  const aggregateId = aggregateIdOf(event.detail.data);
  return {
    eventId,
    eventType,
    eventVersion,
    occurredAt,
    correlationId,
    ...(aggregateId === undefined ? {} : { aggregateId }),
    time: event.time,
    event,
  };
}

/** How stored events are looked up: all events of one request's story, or all events of one aggregate. */
export type EventFilter = { by: 'correlationId' | 'aggregateId'; value: string };

/** Exactly one filter: listing the whole store is the replay tool's job, not an HTTP route's. */
export function eventFilterOf(query: Pick<ListEventsQuery, 'correlationId' | 'aggregateId'>): EventFilter {
  const given = (['correlationId', 'aggregateId'] as const).filter((by) => query[by] !== undefined);
  const [by] = given;
  if (given.length === 1 && by) return { by, value: query[by] as string };
  const message =
    given.length === 0
      ? 'is required unless the other filter is given: pass exactly one of correlationId or aggregateId'
      : 'cannot be combined with the other filter: pass exactly one of correlationId or aggregateId';
  throw new ValidationError(
    [
      { path: 'correlationId', message },
      { path: 'aggregateId', message },
    ],
    'Filter the events by exactly one of correlationId or aggregateId.',
  );
}
