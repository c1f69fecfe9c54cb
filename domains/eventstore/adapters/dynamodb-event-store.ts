import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor } from '../../../shared/dynamodb/cursor.js';
import type { EventFilter, StoredEvent } from '../model.js';
import type { AppendOutcome, EventStore, StoredEventPage } from '../ports.js';
import type { RecordableEvent } from '../schemas.js';

/**
 * Where each lookup reads: one correlation's events are a partition of the table itself, one aggregate's
 * are in its only index. Both sort by ORDERING_KEY.
 */
export const INDEX_OF: Record<EventFilter['by'], string | undefined> = {
  correlationId: undefined,
  aggregateId: 'byAggregate',
};
/** Sort key of the table and of its index: `<occurredAt in UTC>#<eventId>`, so events sort by time, then id. */
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
 * A query's LastEvaluatedKey: the table key (correlationId and the ordering key), plus the index's
 * partition key for an aggregate lookup. A cursor is taken back only if it is such a key for the same
 * filter, so a page of one correlation cannot be resumed in another and nothing else reaches DynamoDB.
 */
export function decodeEventCursor(
  cursor: string | undefined,
  filter: EventFilter,
): Record<string, string> | undefined {
  return decodeCursor(cursor, (key: Record<string, unknown> | null) => {
    const { correlationId, aggregateId, [ORDERING_KEY]: ordering, ...rest } = key ?? {};
    const byAggregate = filter.by === 'aggregateId';
    const valid =
      typeof correlationId === 'string' &&
      correlationId !== '' &&
      (byAggregate
        ? aggregateId === filter.value
        : correlationId === filter.value && aggregateId === undefined) &&
      typeof ordering === 'string' &&
      /^[^#]+#.+$/.test(ordering) &&
      Object.keys(rest).length === 0;
    if (!valid) return undefined;
    const tableKey: Record<string, string> = { correlationId, [ORDERING_KEY]: ordering };
    return byAggregate ? { ...tableKey, aggregateId: filter.value } : tableKey;
  });
}

export const encodeEventCursor = encodeCursor;

/**
 * The event store table: one item per event, written once, keyed by its correlation id and ordering key.
 * Its one GSI, `byAggregate`, is sparse (an event whose data names no aggregate is not in it).
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
          // replay) has the same key and must not rewrite what was stored, not even its bus `time`.
          ConditionExpression: 'attribute_not_exists(correlationId)',
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
        ...(INDEX_OF[filter.by] ? { IndexName: INDEX_OF[filter.by] } : {}),
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
