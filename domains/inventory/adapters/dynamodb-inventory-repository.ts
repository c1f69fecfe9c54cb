import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { writeWithEvents } from '../../../shared/outbox/transaction.js';
import { InventoryChangedConcurrently, type Reservation, type StockItem, type StockLevel } from '../model.js';
import type { InventoryChange, InventoryRepository, ReservationWrite, StockWrite } from '../ports.js';

const STOCK = 'STOCK';
const RESERVATION = 'RESERVATION';
const stockKey = (productId: string) => ({ pk: `${STOCK}#${productId}`, sk: STOCK });
const reservationKey = (orderId: string) => ({ pk: `${RESERVATION}#${orderId}`, sk: RESERVATION });

/** Cancellation reasons meaning "someone else changed this item first": worth a fresh read and retry. */
const CONCURRENT_CHANGE_CODES = new Set(['ConditionalCheckFailed', 'TransactionConflict']);

const STOCK_FIELDS: ReadonlyArray<keyof StockLevel> = ['onHand', 'reserved', 'available'];

function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, entityType: _type, ...rest } = item;
  return rest as T;
}

/**
 * A new stock item is put if none exists yet; an existing one is updated by deltas, only if it is still
 * at the version read, and never below zero (every decreasing field is checked, e.g. `available >= :q`).
 */
function stockWriteItem(tableName: string, { before, after }: StockWrite) {
  if (!before) {
    return {
      Put: {
        TableName: tableName,
        Item: { ...stockKey(after.productId), entityType: STOCK, ...after },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
  const sets: string[] = [];
  const conditions = ['stockVersion = :expectedVersion'];
  const values: Record<string, number | string> = { ':expectedVersion': before.stockVersion };
  for (const field of STOCK_FIELDS) {
    const delta = after[field] - before[field];
    if (delta === 0) continue;
    values[`:${field}`] = Math.abs(delta);
    sets.push(`${field} = ${field} ${delta < 0 ? '-' : '+'} :${field}`);
    if (delta < 0) conditions.push(`${field} >= :${field}`);
  }
  sets.push('stockVersion = stockVersion + :one', 'updatedAt = :updatedAt');
  values[':one'] = 1;
  values[':updatedAt'] = after.updatedAt;
  return {
    Update: {
      TableName: tableName,
      Key: stockKey(before.productId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeValues: values,
    },
  };
}

/** A reservation is created once per order (the idempotency and tombstone check), then moves by status. */
function reservationWriteItem(tableName: string, { before, after }: ReservationWrite) {
  const Item = { ...reservationKey(after.orderId), entityType: RESERVATION, ...after };
  return {
    Put: before
      ? {
          TableName: tableName,
          Item,
          ConditionExpression: '#status = :expectedStatus',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':expectedStatus': before.status },
        }
      : { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' },
  };
}

/** Stock items, reservations and the outbox live in the inventory's own table. */
export class DynamoDbInventoryRepository implements InventoryRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly eventSource: string,
  ) {}

  async getStock(productId: string): Promise<StockItem | undefined> {
    return this.read<StockItem>(stockKey(productId));
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    return this.read<Reservation>(reservationKey(orderId));
  }

  async save(change: InventoryChange): Promise<void> {
    const state = [
      ...change.stock.map((write) => stockWriteItem(this.tableName, write)),
      ...(change.reservation ? [reservationWriteItem(this.tableName, change.reservation)] : []),
    ];
    try {
      await this.client.send(
        writeWithEvents(
          { tableName: this.tableName, eventSource: this.eventSource },
          [...state],
          change.events,
        ),
      );
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (reasons.slice(0, state.length).some((reason) => CONCURRENT_CHANGE_CODES.has(reason.Code ?? ''))) {
        throw new InventoryChangedConcurrently('The stock or reservation changed since it was read.');
      }
      throw error;
    }
  }

  private async read<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item ? withoutKeys<T>(Item) : undefined;
  }
}
