import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
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
 * Sends `writeWithEvents`, again while it loses to a concurrent transaction on one of its items (the
 * shared conflict rule and policy). A failed condition is thrown as it is, for the caller to map.
 */
export async function sendWithEvents(
  client: DynamoDBDocumentClient,
  outbox: Outbox,
  stateWrites: TransactItem[],
  events: EventEnvelope[],
): Promise<void> {
  await retryOnConflict(() => client.send(writeWithEvents(outbox, stateWrites, events)));
}
