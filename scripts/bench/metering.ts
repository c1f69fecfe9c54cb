/**
 * What each AWS call of the bench stack is billed, by AWS's published rules, from the real requests and
 * items the SDK meter (scripts/bench/sdk-meter.ts) sees on the wire. Pure functions: no I/O, so
 * tests/unit/bench-metering.test.ts checks the arithmetic without a stack.
 *
 * Sources (checked 2026-12):
 * - Item size: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 *   — attribute name bytes + value bytes; strings UTF-8 bytes; numbers 1 byte per 2 significant digits
 *   + 1 (leading and trailing zeros trimmed); binary raw bytes; null and Boolean 1 byte; List and Map
 *   3 bytes + 1 byte per element + the elements.
 * - Units: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 *   and https://aws.amazon.com/dynamodb/pricing/on-demand/ — a write is 1 WRU per started KB of the
 *   larger of the item's before and after images (a delete: the deleted item); a failed condition still
 *   consumes write units (the existing item's size, at least 1); a read is 1 RRU per started 4 KB when
 *   strongly consistent, half when eventually consistent (the default), 2 in a transaction; GetItem of a
 *   missing item still costs the minimum; Query and Scan add up the sizes of the items they read and
 *   round the sum once; BatchGetItem rounds each item.
 * - Transactions: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
 *   ("Capacity management for transactions") — every item of TransactWriteItems (ConditionCheck
 *   included) costs 2 WRU per KB, TransactGetItems 2 RRU per 4 KB.
 * - Secondary indexes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html
 *   ("Provisioned throughput considerations for GSIs") — a table write that puts, changes or removes an
 *   index entry also writes the index: 1 write per started KB of the projected entry, 2 when the index
 *   key changes (old entry deleted, new one put).
 * - EventBridge: https://aws.amazon.com/eventbridge/pricing/ and
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html — each 64 KB chunk of
 *   an entry is one billed event; the entry size is Time (14 bytes when set) + Source + DetailType +
 *   Detail + each Resources ARN, in UTF-8 bytes.
 * - SQS: https://aws.amazon.com/sqs/pricing/ — each 64 KB chunk of a request's payload is one billed
 *   request; a SendMessageBatch of n small messages is one request.
 * - DynamoDB Streams reads by a Lambda event source mapping, and the stream-triggered invocations'
 *   GetRecords, are free (https://aws.amazon.com/dynamodb/pricing/on-demand/, "DynamoDB Streams").
 */

export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

// ------------------------------------------------------------------------------------------ item size

/** Bytes of a DynamoDB number: 1 per two significant digits (leading/trailing zeros trimmed) + 1. */
export function numberBytes(value: string): number {
  const digits = value
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, significant.length) / 2) + 1;
}

const binaryBytes = (value: unknown) =>
  typeof value === 'string' ? Buffer.from(value, 'base64').length : ((value as Uint8Array)?.length ?? 0);

/** Bytes of one attribute value in DynamoDB's wire format ({ S: … }, { M: … }, …), without its name. */
export function attributeValueBytes(value: AttributeValue | undefined): number {
  if (!value || typeof value !== 'object') return 0;
  const [type, inner] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(inner));
    case 'N':
      return numberBytes(String(inner));
    case 'B':
      return binaryBytes(inner);
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'M':
      return (
        3 +
        Object.entries(inner as Item).reduce(
          (sum, [name, entry]) => sum + 1 + Buffer.byteLength(name) + attributeValueBytes(entry),
          0,
        )
      );
    case 'L':
      return 3 + (inner as AttributeValue[]).reduce((sum, entry) => sum + 1 + attributeValueBytes(entry), 0);
    case 'SS':
      return (inner as string[]).reduce((sum, entry) => sum + Buffer.byteLength(entry), 0);
    case 'NS':
      return (inner as string[]).reduce((sum, entry) => sum + numberBytes(entry), 0);
    case 'BS':
      return (inner as unknown[]).reduce<number>((sum, entry) => sum + binaryBytes(entry), 0);
    default:
      return 0;
  }
}

/** An item's size as DynamoDB counts it: Σ attribute name bytes + value bytes. */
export function itemBytes(item: Item | undefined): number {
  if (!item) return 0;
  let total = 0;
  for (const [name, value] of Object.entries(item))
    total += Buffer.byteLength(name) + attributeValueBytes(value);
  return total;
}

// ---------------------------------------------------------------------------------------------- units

export type ReadConsistency = 'strong' | 'eventual' | 'transactional';

/** Write request units for one item write of `bytes` (1 per started KB, at least 1; ×2 in a transaction). */
export const writeUnitsFor = (bytes: number, transactional = false) =>
  Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);

/** Read request units for `bytes` read in one go (1 per started 4 KB, at least 1; ½ eventual, 2 transactional). */
export const readUnitsFor = (bytes: number, consistency: ReadConsistency) =>
  Math.max(1, Math.ceil(bytes / 4096)) *
  (consistency === 'strong' ? 1 : consistency === 'eventual' ? 0.5 : 2);

export interface KeySchema {
  hash: string;
  range?: string;
}

export interface IndexSchema extends KeySchema {
  name: string;
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  nonKeyAttributes?: string[];
}

export interface TableSchema {
  key: KeySchema;
  indexes: IndexSchema[];
}

const hasKey = (item: Item | undefined, key: KeySchema): item is Item =>
  Boolean(item?.[key.hash] && (!key.range || item[key.range]));

/** The index entry an item projects into an index (its keys, the index keys and the projected attributes). */
function projected(item: Item, index: IndexSchema, table: KeySchema): Item {
  if (index.projection === 'ALL') return item;
  const names = new Set(
    [table.hash, table.range, index.hash, index.range, ...(index.nonKeyAttributes ?? [])].filter(
      (name): name is string => Boolean(name),
    ),
  );
  if (index.projection === 'KEYS_ONLY') for (const name of index.nonKeyAttributes ?? []) names.delete(name);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Write units an item change costs in one secondary index (0 when the item is not, and was not, in it). */
export function indexWriteUnits(
  before: Item | undefined,
  after: Item | undefined,
  index: IndexSchema,
  table: KeySchema,
): number {
  const wasIn = hasKey(before, index);
  const isIn = hasKey(after, index);
  if (!wasIn && !isIn) return 0;
  if (wasIn && !isIn) return writeUnitsFor(itemBytes(projected(before, index, table)));
  if (!wasIn && isIn) return writeUnitsFor(itemBytes(projected(after as Item, index, table)));
  const oldEntry = projected(before as Item, index, table);
  const newEntry = projected(after as Item, index, table);
  const keyChanged =
    !same(before?.[index.hash], after?.[index.hash]) ||
    Boolean(index.range && !same(before?.[index.range], after?.[index.range]));
  if (keyChanged) return writeUnitsFor(itemBytes(oldEntry)) + writeUnitsFor(itemBytes(newEntry));
  if (same(oldEntry, newEntry)) return 0;
  return writeUnitsFor(Math.max(itemBytes(oldEntry), itemBytes(newEntry)));
}

export interface ItemWrite {
  /** The item before the write (undefined: it did not exist). */
  before?: Item;
  /** The item after the write (undefined: deleted, or the write failed). */
  after?: Item;
  transactional: boolean;
  /** The condition failed (or the transaction was cancelled): nothing changed, units are still consumed. */
  failed: boolean;
  /** A TransactWriteItems ConditionCheck: reads the item under the transaction, billed as a write. */
  conditionCheck?: boolean;
}

/** Write units one item write consumes on its table, and on the table's secondary indexes. */
export function itemWriteUnits(write: ItemWrite, schema?: TableSchema): { table: number; indexes: number } {
  const beforeBytes = itemBytes(write.before);
  if (write.failed || write.conditionCheck) {
    return { table: writeUnitsFor(beforeBytes, write.transactional), indexes: 0 };
  }
  const table = writeUnitsFor(Math.max(beforeBytes, itemBytes(write.after)), write.transactional);
  const indexes = (schema?.indexes ?? []).reduce(
    (sum, index) => sum + indexWriteUnits(write.before, write.after, index, schema?.key as KeySchema),
    0,
  );
  return { table, indexes };
}

/**
 * Read units of a Query or Scan: the read items' sizes summed, then rounded once. `items` are the
 * returned items; a filter drops items after they are read (and billed), so with fewer returned than
 * scanned the returned items' average size stands in for the dropped ones. A projection does not lower
 * the bill, but it shrinks what the meter sees: the figure is then a lower bound.
 */
export function queryReadUnits(
  items: Item[],
  consistency: ReadConsistency,
  scannedCount = items.length,
): number {
  const returned = items.reduce((sum, item) => sum + itemBytes(item), 0);
  const average = items.length ? returned / items.length : 0;
  const bytes = returned + Math.max(0, scannedCount - items.length) * average;
  return readUnitsFor(bytes, consistency);
}

// ------------------------------------------------------------------------------------ other services

export const CHUNK_BYTES = 64 * 1024;

/** An EventBridge PutEvents entry's billed size (eb-putevent-size): Time 14 bytes + UTF-8 of the rest. */
export function eventEntryBytes(entry: {
  Time?: unknown;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
}): number {
  return (
    (entry.Time === undefined || entry.Time === null ? 0 : 14) +
    Buffer.byteLength(entry.Source ?? '') +
    Buffer.byteLength(entry.DetailType ?? '') +
    Buffer.byteLength(entry.Detail ?? '') +
    (entry.Resources ?? []).reduce((sum, arn) => sum + Buffer.byteLength(arn), 0)
  );
}

/** Billed events of one entry: one per started 64 KB chunk. */
export const billedEvents = (entryBytes: number) => Math.max(1, Math.ceil(entryBytes / CHUNK_BYTES));

interface SqsMessage {
  MessageBody?: string;
  MessageAttributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: unknown }>;
}

/** A message's payload: body + each attribute's name, type and value. */
export function sqsMessageBytes(message: SqsMessage): number {
  let bytes = Buffer.byteLength(message.MessageBody ?? '');
  for (const [name, attribute] of Object.entries(message.MessageAttributes ?? {})) {
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(attribute.DataType ?? '') +
      Buffer.byteLength(attribute.StringValue ?? '') +
      binaryBytes(attribute.BinaryValue);
  }
  return bytes;
}

/** Billed SQS requests of one API call: one per started 64 KB of the payload it sends (at least 1). */
export function sqsBilledRequests(operation: string, request: Record<string, unknown>): number {
  if (operation === 'SendMessage') return billedEvents(sqsMessageBytes(request as SqsMessage));
  if (operation === 'SendMessageBatch') {
    const entries = (request.Entries as SqsMessage[] | undefined) ?? [];
    return billedEvents(entries.reduce((sum, entry) => sum + sqsMessageBytes(entry), 0));
  }
  return 1;
}

// -------------------------------------------------------------------------------------------- X-Ray

/** Seconds in the month the bill assumes (30 days). */
export const SECONDS_PER_MONTH = 30 * 24 * 3600;

/**
 * Traces recorded per second when requests arrive at `perSecond` (Poisson) at a sampler that records
 * the first request of each second (the reservoir) and `rate` of the others: X-Ray's default rule,
 * which Lambda applies to a request that arrives without a sampled trace header
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html).
 * E[min(N, 1)] + rate · E[max(N − 1, 0)] for N ~ Poisson(λ).
 */
export function sampledPerSecond(perSecond: number, reservoir = 1, rate = 0.05): number {
  if (perSecond <= 0) return 0;
  const none = Math.exp(-perSecond);
  if (reservoir !== 1) throw new Error('only a reservoir of 1 per second is modelled');
  const first = 1 - none;
  return first + rate * (perSecond - first);
}

/**
 * Traces recorded per order when `rootsPerOrder` (function → trace-starting invocations per order) each
 * meet their own function's sampler, at `ordersPerMonth` spread evenly over the month.
 */
export function tracesPerOrder(rootsPerOrder: Record<string, number>, ordersPerMonth = 1_000_000): number {
  const ordersPerSecond = ordersPerMonth / SECONDS_PER_MONTH;
  let traces = 0;
  for (const roots of Object.values(rootsPerOrder)) {
    traces += sampledPerSecond(roots * ordersPerSecond) / ordersPerSecond;
  }
  return traces;
}
