import {
  DeleteCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Every write request the code sent through a mocked document client, in order: a transaction's items,
 * or a single Put, Update or Delete as the one item it would be in a transaction. A state change with no
 * event is a single conditional write (shared/outbox/transaction.ts), so "nothing was written" must look
 * at all of them, not only at transactions.
 */
export function writesSent(ddb: AwsStub<any, any, any>): TransactItem[][] {
  return ddb.calls().flatMap((call): TransactItem[][] => {
    const command = call.args[0];
    if (command instanceof TransactWriteCommand) return [command.input.TransactItems ?? []];
    if (command instanceof PutCommand) return [[{ Put: command.input } as TransactItem]];
    if (command instanceof UpdateCommand) return [[{ Update: command.input } as TransactItem]];
    if (command instanceof DeleteCommand) return [[{ Delete: command.input } as TransactItem]];
    return [];
  });
}
