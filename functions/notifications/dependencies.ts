// The notifications' composition root: adapters are built once per execution environment, on first use.
import { DynamoDbContactBook } from '../../domains/notifications/adapters/dynamodb-contact-book.js';
import { DynamoDbNotificationRepository } from '../../domains/notifications/adapters/dynamodb-notification-repository.js';
import { SesSender } from '../../domains/notifications/adapters/ses-sender.js';
import type { NotifyPorts } from '../../domains/notifications/notify-customer.js';
import { dynamoDb, kms, sesV2 } from '../../shared/aws/clients.js';
import { systemClock as clock } from '../../shared/clock.js';
import { requiredEnv } from '../../shared/config.js';
import { KmsCustomerContactCipher } from '../../shared/crypto/kms-customer-contact.js';
import { onFirstUse } from '../../shared/lazy.js';

/** The time every use case of this domain reads. */
export { clock };

export const notificationRepository = /* @__PURE__ */ onFirstUse(
  (): DynamoDbNotificationRepository =>
    new DynamoDbNotificationRepository(dynamoDb(), requiredEnv('NOTIFICATIONS_TABLE_NAME')),
);

export const contactBook = /* @__PURE__ */ onFirstUse(
  (): DynamoDbContactBook => new DynamoDbContactBook(dynamoDb(), requiredEnv('NOTIFICATIONS_TABLE_NAME')),
);

/** Opens the contact details customers sealed (CUSTOMER_CONTACT_KEY_ID): only the projection may decrypt. */
export const contactOpener = /* @__PURE__ */ onFirstUse(
  (): KmsCustomerContactCipher => new KmsCustomerContactCipher(kms(), requiredEnv('CUSTOMER_CONTACT_KEY_ID')),
);

/**
 * E-mail through SES from the stage's verified identity, on every stage: offline stages point the SDK at
 * the local mail capture (AWS_ENDPOINT_URL_SESV2), so no code path differs.
 */
export const notificationSender = /* @__PURE__ */ onFirstUse(
  (): SesSender => new SesSender(sesV2(), requiredEnv('MAIL_FROM_ADDRESS')),
);

export function notifyPorts(): NotifyPorts {
  return {
    notifications: notificationRepository(),
    contacts: contactBook(),
    sender: notificationSender(),
    clock,
  };
}
