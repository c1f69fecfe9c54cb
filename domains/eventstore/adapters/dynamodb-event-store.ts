import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor } from '../../../shared/dynamodb/cursor.js';
import type { EventFilter, StoredEvent } from '../model.js';
import type { AppendOutcome, EventStore, StoredEventPage } from '../ports.js';
import type { RecordableEvent } from '../schemas.js';

/** One index per filter, both sorted by ORDERING_KEY. */
export const INDEX_OF: Record<EventFilter['by'], string> = {
  correlationId: 'byCorrelation',
  aggregateId: 'byAggregate',
};
/** Sort key of both indexes: `<occurredAt in UTC>#<eventId>`, so events sort by time, then id. */
export const ORDERING_KEY = 'occurredAtEventId';

/**
 * The ordering key. `occurredAt` is normalised to UTC with milliseconds (`toISOString`), so timestamps
 * written with an offset or another precision still sort by the instant they name.
 */
export function orderingKeyOf(occurredAt: string, eventId: string): string {
  return `${new Date(occurredAt).toISOString()}#${eventId}`;
}

interface StoredEventItem extends StoredEvent {
  [ORDERING_KEY]: string;
}

/**
 * An index query's LastEvaluatedKey holds the table key (eventId) and the index keys. A cursor is taken
 * back only if it is such a key for the same filter, so a page of one correlation cannot be resumed in
 * another and nothing else reaches DynamoDB.
 */
export function decodeEventCursor(
  cursor: string | undefined,
  filter: EventFilter,
): Record<string, string> | undefined {
  return decodeCursor(cursor, (key: Record<string, unknown> | null) => {
    const { eventId, [filter.by]: filterValue, [ORDERING_KEY]: ordering, ...rest } = key ?? {};
    const valid =
      typeof eventId === 'string' &&
      eventId !== '' &&
      filterValue === filter.value &&
      typeof ordering === 'string' &&
      ordering.endsWith(`#${eventId}`) &&
      Object.keys(rest).length === 0;
    return valid ? { eventId, [filter.by]: filter.value, [ORDERING_KEY]: ordering } : undefined;
  });
}

export const encodeEventCursor = encodeCursor;

/**
 * The event store table: one item per event id, written once. Two GSIs serve the lookups; `byAggregate`
 * is sparse (an event whose data names no aggregate is not in it).
 */
export class DynamoDbEventStore implements EventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(event: StoredEvent): Promise<AppendOutcome> {
    const item: StoredEventItem = {
      ...event,
      [ORDERING_KEY]: orderingKeyOf(event.occurredAt, event.eventId),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          // Append-only: the first delivery of an event wins; a later one (redelivery, redrive,
          // replay) must not rewrite what was stored, not even its bus `time`.
          ConditionExpression: 'attribute_not_exists(eventId)',
        }),
      );
      return 'appended';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async find(filter: EventFilter, page: { limit: number; cursor?: string }): Promise<StoredEventPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX_OF[filter.by],
        KeyConditionExpression: '#filter = :value',
        ExpressionAttributeNames: { '#filter': filter.by },
        ExpressionAttributeValues: { ':value': filter.value },
        ScanIndexForward: true,
        Limit: page.limit,
        ExclusiveStartKey: decodeEventCursor(page.cursor, filter),
      }),
    );
    return {
      items: (result.Items ?? []).map((item) => item.event as RecordableEvent),
      nextCursor: encodeEventCursor(result.LastEvaluatedKey),
    };
  }
}
