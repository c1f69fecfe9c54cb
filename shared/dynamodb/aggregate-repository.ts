import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Outbox } from '../outbox/transaction.js';

/** How a repository stores one aggregate: the key of its item, and the aggregate an item holds. */
export interface AggregateItem<Aggregate> {
  keyOf(id: string): Record<string, unknown>;
  toAggregate(item: Record<string, unknown>): Aggregate;
}

/**
 * What every repository of a domain's own table shares: one item per aggregate, and the domain's outbox
 * in the same table under its event source. Reads are consistent because a use case reads, decides and
 * writes back on condition of the version it read: an eventually consistent read would only make it lose
 * (and retry) more often.
 */
export abstract class AggregateRepository<Aggregate> {
  protected abstract readonly item: AggregateItem<Aggregate>;

  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
    private readonly eventSource: string,
  ) {}

  async get(id: string): Promise<Aggregate | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.item.keyOf(id), ConsistentRead: true }),
    );
    return Item ? this.item.toAggregate(Item) : undefined;
  }

  /** Where the events of a write are recorded (for `sendWithEvents`). */
  protected get outbox(): Outbox {
    return { tableName: this.tableName, eventSource: this.eventSource };
  }
}
