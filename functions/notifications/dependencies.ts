import { DynamoDbContactBook } from '../../domains/notifications/adapters/dynamodb-contact-book.js';
import { DynamoDbNotificationRepository } from '../../domains/notifications/adapters/dynamodb-notification-repository.js';
import { LogSender } from '../../domains/notifications/adapters/log-sender.js';
import type { NotifyPorts } from '../../domains/notifications/notify-customer.js';
import type { NotificationSender } from '../../domains/notifications/ports.js';
import { dynamoDb } from '../../shared/aws/clients.js';
import { requiredEnv } from '../../shared/config.js';
import { logger } from '../../shared/observability.js';

/** The notifications' composition root: adapters are built once per execution environment, on first use. */
let notifications: DynamoDbNotificationRepository | undefined;
let contacts: DynamoDbContactBook | undefined;
let sender: NotificationSender | undefined;

export const clock = { now: () => new Date() };

export function notificationRepository(): DynamoDbNotificationRepository {
  notifications ??= new DynamoDbNotificationRepository(dynamoDb(), requiredEnv('NOTIFICATIONS_TABLE_NAME'));
  return notifications;
}

export function contactBook(): DynamoDbContactBook {
  contacts ??= new DynamoDbContactBook(dynamoDb(), requiredEnv('NOTIFICATIONS_TABLE_NAME'));
  return contacts;
}

/**
 * The sender of NOTIFICATION_CHANNEL: `log` (the default) writes messages to the log. `ses` is refused
 * until `@aws-sdk/client-sesv2` is a dependency: failing loudly beats pretending to e-mail customers.
 */
export function senderFor(channel: string | undefined): NotificationSender {
  switch (channel || 'log') {
    case 'log':
      return new LogSender((message, fields) => logger.info(message, fields));
    case 'ses':
      throw new Error(
        'NOTIFICATION_CHANNEL=ses needs the package @aws-sdk/client-sesv2, which is not installed; use "log"',
      );
    default:
      throw new Error(`NOTIFICATION_CHANNEL must be "log" or "ses", not "${channel}"`);
  }
}

export function notifyPorts(): NotifyPorts {
  sender ??= senderFor(process.env.NOTIFICATION_CHANNEL);
  return { notifications: notificationRepository(), contacts: contactBook(), sender, clock };
}
