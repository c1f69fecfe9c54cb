import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DeliveryDeferred, DeliveryRefused } from '../model.js';
import type { NotificationSender, OutgoingMessage, SendReceipt } from '../ports.js';

/**
 * SES errors that say "not now" rather than "not this message": the sending rate or the daily quota is
 * used up (TooManyRequests, LimitExceeded, Throttling), or SES itself failed. Sending the same message
 * later may pass, and SES did not take it, so a retry cannot duplicate it.
 */
const DEFERRING_ERRORS = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'InternalServiceErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  // Temporary credentials that expired between the SDK's refresh and the call: the next attempt signs anew.
  'ExpiredTokenException',
]);

/** What each refusal means for an operator reading a `failed` notification (the code alone is cryptic). */
const REFUSALS: Record<string, string> = {
  MessageRejected: 'SES rejected the message (in the sandbox: the recipient is not a verified identity)',
  MailFromDomainNotVerifiedException: "the sender's MAIL FROM domain is not verified in SES",
  AccountSuspendedException: "the account's SES sending is suspended",
  SendingPausedException: "the account's or the configuration set's SES sending is paused",
  NotFoundException: 'SES does not know the configuration set or identity used',
  BadRequestException: 'SES found the request invalid (for example an address it cannot parse)',
  AccessDeniedException: "the function's role may not send from this identity",
};

interface ServiceError {
  name?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Sorts an SES failure into refused for good or deferred. Only the error's name and HTTP status are used:
 * SES messages may quote addresses ("Email address is not verified … : alice@example.com"), and these
 * reasons are stored and logged.
 */
export function classifySesError(error: unknown): DeliveryRefused | DeliveryDeferred {
  const { name = 'UnknownError', $retryable, $metadata } = (error ?? {}) as ServiceError;
  const status = $metadata?.httpStatusCode;
  const meaning = REFUSALS[name];
  if (meaning) return new DeliveryRefused(`${name}: ${meaning}`);
  if (DEFERRING_ERRORS.has(name) || $retryable || status === undefined || status === 429 || status >= 500) {
    // No status at all: SES never answered (connection refused or reset, timeout); the SDK has retried.
    return new DeliveryDeferred(`SES did not take the message: ${name}${status ? ` (HTTP ${status})` : ''}`);
  }
  return new DeliveryRefused(`${name} (HTTP ${status})`);
}

/**
 * Sends notifications as plain-text e-mail through SES (API v2) from the stage's verified identity. `sent`
 * means SES accepted the message for delivery and gave it an id; bounces and complaints come later.
 */
export class SesSender implements NotificationSender {
  readonly channel = 'ses';

  constructor(
    private readonly client: SESv2Client,
    private readonly fromAddress: string,
  ) {}

  async send(message: OutgoingMessage): Promise<SendReceipt> {
    try {
      const { MessageId } = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.fromAddress,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: message.body, Charset: 'UTF-8' } },
            },
          },
          // Lets a bounce or complaint report be traced back to its notification (SES allows [A-Za-z0-9_-]).
          EmailTags: [{ Name: 'notificationId', Value: message.notificationId.replace(/[^\w-]/g, '_') }],
        }),
      );
      return MessageId ? { providerMessageId: MessageId } : {};
    } catch (error) {
      throw classifySesError(error);
    }
  }
}
