/** DynamoDB's limit of items (actions) in one TransactWriteItems. */
export const DYNAMODB_TRANSACTION_ITEM_LIMIT = 100;

/** What one transaction writes: an item per line (e.g. per product) beside a fixed number of others. */
export interface TransactionLayout {
  itemsPerLine: number;
  fixedItems: number;
}

/** The most lines a transaction of this layout can hold within DynamoDB's item limit. */
export function maxLinesPerTransaction({ itemsPerLine, fixedItems }: TransactionLayout): number {
  return Math.floor((DYNAMODB_TRANSACTION_ITEM_LIMIT - fixedItems) / itemsPerLine);
}

/**
 * How inventory reserves one order, all or nothing, in one transaction: a guarded stock update per
 * distinct product, plus the order's reservation record and the StockReserved outbox record. Selling or
 * releasing the reservation later writes the same or less. Kept here, outside both domains, because orders
 * must bound what inventory can reserve; inventory's unit tests prove its repository writes exactly this.
 */
export const ORDER_RESERVATION_LAYOUT: TransactionLayout = { itemsPerLine: 1, fixedItems: 2 };

/** The most distinct products one order may hold: inventory reserves them all in one transaction (98). */
export const MAX_RESERVABLE_PRODUCTS = maxLinesPerTransaction(ORDER_RESERVATION_LAYOUT);
