import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../model.js';
import type { ContactBook } from '../ports.js';

const CONTACT = 'CONTACT';

const keyOf = (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: CONTACT });

/**
 * The customers' contact details, one item per customer in the notifications table. DynamoDB checks the
 * version, so concurrent or reordered reports leave the newest profile in place.
 */
export class DynamoDbContactBook implements ContactBook {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(customerId: string): Promise<Contact | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(customerId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, entityType: _type, ...contact } = Item;
    return contact as Contact;
  }

  async apply(contact: Contact): Promise<'applied' | 'stale'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          // The whole contact is replaced: a newer profile without an e-mail removes the old address.
          Item: { ...keyOf(contact.customerId), entityType: CONTACT, ...contact },
          ConditionExpression: 'attribute_not_exists(pk) OR profileVersion < :version',
          ExpressionAttributeValues: { ':version': contact.profileVersion },
        }),
      );
      return 'applied';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  }
}
