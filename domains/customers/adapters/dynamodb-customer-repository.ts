import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { EventEnvelope } from '../../../events/envelope.js';
import { AggregateRepository } from '../../../shared/dynamodb/aggregate-repository.js';
import { failedConditions, sendWithEvents } from '../../../shared/outbox/transaction.js';
import { type CustomerProfile, ProfileVersionConflict } from '../model.js';
import type { CustomerRepository } from '../ports.js';

const PROFILE = 'PROFILE';

const keyOf = (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: PROFILE });

function toItem(profile: CustomerProfile) {
  return { ...keyOf(profile.customerId), entityType: PROFILE, ...profile };
}

function toProfile(item: Record<string, unknown>): CustomerProfile {
  const { pk: _pk, sk: _sk, entityType: _type, ...profile } = item;
  return profile as unknown as CustomerProfile;
}

/** The profile put's version condition failed (a transaction conflict is sent again by `sendWithEvents`). */
function profileLost(error: unknown): boolean {
  return failedConditions(error).includes(0);
}

/** Profiles and the customers' outbox live in the customers' own table, one item per customer. */
export class DynamoDbCustomerRepository
  extends AggregateRepository<CustomerProfile>
  implements CustomerRepository
{
  protected readonly item = { keyOf, toAggregate: toProfile };

  async createIfAbsent(profile: CustomerProfile): Promise<CustomerProfile> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(profile),
          ConditionExpression: 'attribute_not_exists(pk)',
          // The winner of a race comes back with the failure: no second read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return profile;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        return toProfile(unmarshall(error.Item as Record<string, AttributeValue>));
      }
      throw error;
    }
  }

  async save(next: CustomerProfile, expectedVersion: number, events: EventEnvelope[]): Promise<void> {
    try {
      await sendWithEvents(
        this.client,
        this.outbox,
        [
          {
            Put: {
              TableName: this.tableName,
              Item: toItem(next),
              ConditionExpression: 'profileVersion = :expected',
              ExpressionAttributeValues: { ':expected': expectedVersion },
            },
          },
        ],
        events,
      );
    } catch (error) {
      if (profileLost(error)) throw new ProfileVersionConflict(next.customerId);
      throw error;
    }
  }
}
