import type { NotificationSender, OutgoingMessage } from '../ports.js';

export type LogLine = (message: string, fields: Record<string, unknown>) => void;

/** The default channel (and the local one): the message is written to the log, with its correlation id. */
export class LogSender implements NotificationSender {
  readonly channel = 'log';

  constructor(private readonly log: LogLine) {}

  async send(message: OutgoingMessage): Promise<void> {
    this.log('Notification sent to the log channel', {
      notificationId: message.notificationId,
      correlationId: message.correlationId,
      to: message.to,
      subject: message.subject,
      body: message.body,
    });
  }
}
