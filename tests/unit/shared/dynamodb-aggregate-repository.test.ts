import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AggregateRepository } from '../../../shared/dynamodb/aggregate-repository.js';
import type { Outbox } from '../../../shared/outbox/transaction.js';

const TABLE = 'commerce-test-widgets';
const SOURCE = 'commerce.widgets';

interface Widget {
  widgetId: string;
  colour: string;
}

const keyOf = (widgetId: string) => ({ pk: `WIDGET#${widgetId}`, sk: 'WIDGET' });

/** A repository of the smallest kind: it adds nothing to the base but its item layout. */
class WidgetRepository extends AggregateRepository<Widget> {
  protected readonly item = {
    keyOf,
    toAggregate: ({ pk: _pk, sk: _sk, ...widget }: Record<string, unknown>) => widget as unknown as Widget,
  };

  outboxForTest(): Outbox {
    return this.outbox;
  }
}

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const widgets = new WidgetRepository(client, TABLE, SOURCE);

beforeEach(() => ddb.reset());

describe('AggregateRepository', () => {
  it('gets an aggregate by its key with a consistent read, without the storage attributes', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...keyOf('w-1'), widgetId: 'w-1', colour: 'teal' } });

    expect(await widgets.get('w-1')).toEqual({ widgetId: 'w-1', colour: 'teal' });
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'WIDGET#w-1', sk: 'WIDGET' },
      ConsistentRead: true,
    });
  });

  it('gets undefined when there is no item', async () => {
    ddb.on(GetCommand).resolves({});

    expect(await widgets.get('missing')).toBeUndefined();
  });

  it("records events in the repository's own table under its event source", () => {
    expect(widgets.outboxForTest()).toEqual({ tableName: TABLE, eventSource: SOURCE });
  });
});
