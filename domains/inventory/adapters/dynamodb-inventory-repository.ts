import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { retryOnConflict } from '../../../shared/dynamodb/retry-on-conflict.js';
import { DYNAMODB_TRANSACTION_ITEM_LIMIT } from '../../../shared/dynamodb/transaction-limit.js';
import { currentTraceHeader } from '../../../shared/outbox/record.js';
import { failedConditions, sendWithEvents } from '../../../shared/outbox/transaction.js';
import { coverNeeded, movesAvailability, type Reservation, STOCK_FIGURES, type StockItem } from '../model.js';
import type {
  ChangeOutcome,
  ChangeStamp,
  InventoryChange,
  InventoryRepository,
  OnHandOutcome,
  StockMove,
} from '../ports.js';

export const STOCK = 'STOCK';
const RESERVATION = 'RESERVATION';
const stockKey = (productId: string) => ({ pk: `${STOCK}#${productId}`, sk: STOCK });
const reservationKey = (orderId: string) => ({ pk: `${RESERVATION}#${orderId}`, sk: RESERVATION });

/**
 * How a stock item is stored: its figures, plus what the outbox relay needs to publish its change from
 * the item's own stream record (`lastCause` of the last write, the bus `eventSource`).
 */
export interface StoredStockItem extends StockItem {
  pk: string;
  sk: string;
  entityType: typeof STOCK;
  /** With the writer's trace header, so the item's StockLevelChanged joins its trace (as outbox events do). */
  lastCause?: ChangeStamp['cause'] & { traceHeader?: string };
  eventSource?: string;
  /**
   * Whether the last write changed `available` (false after a sale): only such a write publishes
   * StockLevelChanged. Absent on items last written before it was kept: they publish, as they did.
   */
  movedAvailability?: boolean;
}

export function toStockItem(item: Record<string, unknown>): StockItem {
  const {
    pk: _pk,
    sk: _sk,
    entityType: _type,
    lastCause: _cause,
    eventSource: _source,
    movedAvailability: _moved,
    ...stock
  } = item;
  return stock as unknown as StockItem;
}

function toReservation(item: Record<string, unknown>): Reservation {
  const { pk: _pk, sk: _sk, entityType: _type, ...reservation } = item;
  return reservation as unknown as Reservation;
}

/** Every stock write stamps the item: a new version, when, why, and where its change is published. */
const stampSets = [
  'stockVersion = stockVersion + :one',
  'updatedAt = :updatedAt',
  'lastCause = :cause',
  'eventSource = :eventSource',
  'movedAvailability = :movedAvailability',
];
const stampValues = (stamp: ChangeStamp, eventSource: string, movedAvailability: boolean) => ({
  ':one': 1,
  ':updatedAt': stamp.at.toISOString(),
  ':cause': {
    correlationId: stamp.cause.correlationId,
    causationId: stamp.cause.causationId,
    traceHeader: currentTraceHeader(),
  },
  ':eventSource': eventSource,
  ':movedAvailability': movedAvailability,
});

/**
 * A movement as one atomic update of the stock item: each figure changes by its delta from whatever it
 * is now, and only if the item exists and covers every decrease (`available >= :available`), so no stock
 * write depends on a version read before. The version still grows by one, for projections.
 */
function stockUpdate(
  tableName: string,
  eventSource: string,
  { productId, movement }: StockMove,
  stamp: ChangeStamp,
) {
  const sets: string[] = [];
  const values: Record<string, unknown> = {};
  for (const figure of STOCK_FIGURES) {
    const delta = movement[figure];
    if (delta === 0) continue;
    values[`:${figure}`] = Math.abs(delta);
    sets.push(`${figure} = ${figure} ${delta < 0 ? '-' : '+'} :${figure}`);
  }
  // The cover of a figure is its decrease, so the condition reuses the delta's placeholder.
  const conditions = [
    'attribute_exists(pk)',
    ...Object.keys(coverNeeded(movement)).map((figure) => `${figure} >= :${figure}`),
  ];
  return {
    Update: {
      TableName: tableName,
      Key: stockKey(productId),
      UpdateExpression: `SET ${[...sets, ...stampSets].join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeValues: {
        ...values,
        ...stampValues(stamp, eventSource, movesAvailability(movement)),
      },
    },
  };
}

/** A reservation is created once per order (the idempotency and tombstone check), then moves by status. */
function reservationPut(tableName: string, { expected, next }: InventoryChange['reservation']) {
  const Item = { ...reservationKey(next.orderId), entityType: RESERVATION, ...next };
  return {
    Put:
      expected === undefined
        ? { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            TableName: tableName,
            Item,
            ConditionExpression: '#status = :expectedStatus',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':expectedStatus': expected },
          },
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
    const item = await this.read(stockKey(productId));
    return item && toStockItem(item);
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    const item = await this.read(reservationKey(orderId));
    return item && toReservation(item);
  }

  /**
   * One TransactWriteItems: the stock updates, the reservation, the outbox records (in that order, which
   * the cancellation reasons follow). Sent again after a transaction conflict (many orders of one product
   * at once contend on its item); a failed condition is the answer. An order's change is one item per
   * product plus the reservation and its event: ORDER_RESERVATION_LAYOUT, which bounds an order's lines.
   */
  async save(change: InventoryChange): Promise<ChangeOutcome> {
    const state = [
      ...change.stock.map((move) => stockUpdate(this.tableName, this.eventSource, move, change.stamp)),
      reservationPut(this.tableName, change.reservation),
    ];
    const size = state.length + change.events.length;
    if (size > DYNAMODB_TRANSACTION_ITEM_LIMIT) {
      throw new Error(`A change of ${change.stock.length} products needs ${size} items in one transaction`);
    }
    try {
      await sendWithEvents(
        this.client,
        { tableName: this.tableName, eventSource: this.eventSource },
        state,
        change.events,
      );
      return 'stored';
    } catch (error) {
      const failedAt = failedConditions(error);
      const failed = (index: number) => failedAt.includes(index);
      const reservationIndex = change.stock.length;
      if (failed(reservationIndex)) return 'reservation-moved';
      if (change.stock.some((_, index) => failed(index))) return 'stock-short';
      throw error;
    }
  }

  /**
   * One conditional update, no read: `available` follows from the reserved units at that moment, and the
   * count is refused (returning the item as it is) if it would not cover them.
   */
  async setOnHand(productId: string, quantity: number, stamp: ChangeStamp): Promise<OnHandOutcome> {
    try {
      const { Attributes } = await retryOnConflict(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: stockKey(productId),
            UpdateExpression: [
              'SET entityType = :stock',
              'productId = :productId',
              'onHand = :quantity',
              'reserved = if_not_exists(reserved, :zero)',
              'available = :quantity - if_not_exists(reserved, :zero)',
              'stockVersion = if_not_exists(stockVersion, :zero) + :one',
              'updatedAt = :updatedAt',
              'lastCause = :cause',
              'eventSource = :eventSource',
              'movedAvailability = :movedAvailability',
            ].join(', '),
            ConditionExpression: 'attribute_not_exists(pk) OR reserved <= :quantity',
            ExpressionAttributeValues: {
              ':stock': STOCK,
              ':productId': productId,
              ':quantity': quantity,
              ':zero': 0,
              // A count always publishes: it is the figure inventory is set to, even when unchanged.
              ...stampValues(stamp, this.eventSource, true),
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { stored: toStockItem(Attributes ?? {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        const current = unmarshall(error.Item as Record<string, AttributeValue>);
        return { reserved: Number(current.reserved) };
      }
      throw error;
    }
  }

  private async read(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }
}
