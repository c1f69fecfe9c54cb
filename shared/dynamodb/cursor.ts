import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BadRequestError } from '../errors.js';

/** Page cursors are opaque to clients: the last evaluated key, as base64url JSON. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

/**
 * Decodes a cursor and lets the adapter accept only a key it could have produced for this listing
 * (`accept` returns the key to pass to DynamoDB, or undefined). Anything else is the client's mistake:
 * a 400, never a DynamoDB validation error surfacing as a 500.
 */
export function decodeCursor<Key extends Record<string, unknown>>(
  cursor: string | undefined,
  // biome-ignore lint/suspicious/noExplicitAny: the decoded JSON is untrusted until `accept` checks it
  accept: (candidate: any) => Key | undefined,
): Key | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let accepted: Key | undefined;
  try {
    accepted = accept(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    accepted = undefined;
  }
  if (accepted) return accepted;
  throw new BadRequestError('The cursor is not valid: pass the nextCursor of a previous page unchanged.');
}

/** One page of a listing, as every list route answers it. */
export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/** What a client asks of a listing: how many items at most, and where the previous page ended. */
export interface PageRequest {
  limit: number;
  cursor?: string;
}

/**
 * An index whose partitions each hold one owner's items sorted by time (a customer's orders, say), as
 * an adapter describes it once; every listing of one of its partitions then reads the same way.
 */
export interface TimeSortedIndex<Item> {
  indexName: string;
  partitionKey: string;
  /** Checks a decoded cursor for one partition: the key for DynamoDB, or undefined (see `decodeCursor`). */
  // biome-ignore lint/suspicious/noExplicitAny: the decoded JSON is untrusted until the acceptor checks it
  acceptFor(partition: string): (candidate: any) => Record<string, unknown> | undefined;
  toItem(stored: Record<string, unknown>): Item;
}

/**
 * One page of the items of one partition of the index, newest first: the cursor in is decoded and
 * checked by the index's acceptor for that partition, the cursor out encodes where the page ended.
 */
export async function newestFirstPage<Item>(
  client: DynamoDBDocumentClient,
  tableName: string,
  index: TimeSortedIndex<Item>,
  partition: string,
  page: PageRequest,
): Promise<Page<Item>> {
  const result = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: index.indexName,
      KeyConditionExpression: '#partition = :partition',
      ExpressionAttributeNames: { '#partition': index.partitionKey },
      ExpressionAttributeValues: { ':partition': partition },
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, index.acceptFor(partition)),
    }),
  );
  return { items: (result.Items ?? []).map(index.toItem), nextCursor: encodeCursor(result.LastEvaluatedKey) };
}
