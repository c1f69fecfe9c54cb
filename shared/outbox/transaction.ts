import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../../events/envelope.js';
import { retryOnConflict } from '../dynamodb/retry-on-conflict.js';
import { outboxPut } from './record.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Where a domain keeps its outbox: its own table, and the bus source its events are published as. */
export interface Outbox {
  tableName: string;
  eventSource: string;
}

/**
 * The state writes and the events they cause as ONE TransactWriteItems: stored together or not at all.
 * Cancellation reasons keep the order of `stateWrites` first, so index 0 is the first state write.
 */
export function writeWithEvents(outbox: Outbox, stateWrites: TransactItem[], events: EventEnvelope[]) {
  return new TransactWriteCommand({
    TransactItems: [
      ...stateWrites,
      ...events.map((event) => outboxPut(outbox.tableName, outbox.eventSource, event)),
    ],
  });
}

/**
 * One item changed and no event: nothing must be stored together with it, so it is written on its own,
 * with its condition. A transaction would bill it twice (decisions.md, entry 50).
 */
function aloneSender(
  client: DynamoDBDocumentClient,
  write: TransactItem,
): (() => Promise<unknown>) | undefined {
  const { Put, Update, Delete } = write;
  if (Put) return () => client.send(new PutCommand(Put));
  if (Update) return () => client.send(new UpdateCommand(Update));
  if (Delete) return () => client.send(new DeleteCommand(Delete));
  return undefined;
}

/**
 * Stores the state writes and the events they cause together (`writeWithEvents`), again while the
 * transaction loses to a concurrent one on one of its items (the shared conflict rule and policy). A
 * single state write with no event is sent as a plain conditional write. A failed condition is thrown as
 * it is, for the caller to map with `failedConditions`.
 */
export async function sendWithEvents(
  client: DynamoDBDocumentClient,
  outbox: Outbox,
  stateWrites: TransactItem[],
  events: EventEnvelope[],
): Promise<void> {
  const [only, ...others] = stateWrites;
  const sendAlone =
    only && others.length === 0 && events.length === 0 ? aloneSender(client, only) : undefined;
  // A plain write meets transactions too: DynamoDB refuses it with TransactionConflictException while a
  // transaction holds the item, and the same write may be sent again.
  await retryOnConflict(sendAlone ?? (() => client.send(writeWithEvents(outbox, stateWrites, events))));
}

/**
 * Which of `sendWithEvents`' state writes failed their condition, by their index in `stateWrites`: from a
 * cancelled transaction's reasons, or the only write when it was sent on its own.
 */
export function failedConditions(error: unknown): number[] {
  if (error instanceof ConditionalCheckFailedException) return [0];
  if (!(error instanceof TransactionCanceledException)) return [];
  return (error.CancellationReasons ?? []).flatMap((reason, index) =>
    reason.Code === 'ConditionalCheckFailed' ? [index] : [],
  );
}
