import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** A cancelled TransactWriteItems as DynamoDB reports it: one reason per item, in request order. */
export function transactionCancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

/** What DynamoDB answers when another transaction holds one of the items (never raised by DynamoDB Local). */
export const transactionConflict = (items = 2) =>
  transactionCancelled('TransactionConflict', ...Array.from({ length: items - 1 }, () => 'None'));

/** What DynamoDB answers when a single conditional write's condition is false. */
export const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
