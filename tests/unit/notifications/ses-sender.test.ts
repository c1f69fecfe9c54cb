import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { classifySesError, SesSender } from '../../../domains/notifications/adapters/ses-sender.js';
import { DeliveryDeferred, DeliveryRefused } from '../../../domains/notifications/model.js';

const ses = mockClient(SESv2Client);
const sender = new SesSender(new SESv2Client({ region: 'us-east-1' }), 'orders@shop.example.com');
const RECIPIENT = 'alice.liddell@example.com';
const message = {
  notificationId: 'ntf-0b7c',
  to: RECIPIENT,
  subject: 'Your order ord-1 is confirmed',
  body: 'Hello Alice Liddell,\n\nyour order ord-1 is confirmed.',
  correlationId: 'req-1',
};
const answer = (status: number) => ({ $metadata: { httpStatusCode: status } });

beforeEach(() => ses.reset());

describe('SesSender', () => {
  it('sends plain text from the identity address and returns SES’s message id', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0100018f-abc', $metadata: {} });

    const receipt = await sender.send(message);

    expect(receipt).toEqual({ providerMessageId: '0100018f-abc' });
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
      FromEmailAddress: 'orders@shop.example.com',
      Destination: { ToAddresses: [RECIPIENT] },
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: message.body, Charset: 'UTF-8' } },
        },
      },
      EmailTags: [{ Name: 'notificationId', Value: 'ntf-0b7c' }],
    });
  });

  it.each([
    [
      'MessageRejected',
      new MessageRejected({ message: `Email address is not verified: ${RECIPIENT}`, ...answer(400) }),
    ],
    [
      'MailFromDomainNotVerifiedException',
      new MailFromDomainNotVerifiedException({ message: 'shop.example.com not verified', ...answer(400) }),
    ],
    ['AccountSuspendedException', new AccountSuspendedException({ message: 'suspended', ...answer(400) })],
    ['SendingPausedException', new SendingPausedException({ message: 'paused', ...answer(400) })],
    [
      'BadRequestException',
      new BadRequestException({ message: `Illegal address ${RECIPIENT}`, ...answer(400) }),
    ],
  ])('reports %s as refused for good, naming the error and never the address', async (name, error) => {
    ses.on(SendEmailCommand).rejects(error);

    const failure = await sender.send(message).catch((thrown: unknown) => thrown);

    expect(failure).toBeInstanceOf(DeliveryRefused);
    expect((failure as DeliveryRefused).reason).toMatch(new RegExp(`^${name}`));
    expect(
      JSON.stringify({ reason: (failure as DeliveryRefused).reason, message: (failure as Error).message }),
    ).not.toMatch(/alice|liddell|shop\.example\.com/i);
  });

  it.each([
    ['TooManyRequestsException', new TooManyRequestsException({ message: 'slow down', ...answer(429) })],
    [
      'LimitExceededException',
      new LimitExceededException({ message: 'Daily quota exceeded', ...answer(400) }),
    ],
    [
      'InternalFailure',
      new SESv2ServiceException({
        name: 'InternalFailure',
        $fault: 'server',
        message: 'oops',
        ...answer(500),
      }),
    ],
    [
      'ServiceUnavailable',
      new SESv2ServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message: 'x',
        ...answer(503),
      }),
    ],
  ])('reports %s as deferred, so the event is delivered again', async (name, error) => {
    ses.on(SendEmailCommand).rejects(error);

    const failure = await sender.send(message).catch((thrown: unknown) => thrown);

    expect(failure).toBeInstanceOf(DeliveryDeferred);
    expect((failure as DeliveryDeferred).reason).toContain(name);
  });

  it('reports no answer at all (connection refused, timeout) as deferred', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error(`connect ECONNREFUSED for ${RECIPIENT}`), { name: 'Error' }));

    const failure = await sender.send(message).catch((thrown: unknown) => thrown);

    expect(failure).toBeInstanceOf(DeliveryDeferred);
    expect((failure as Error).message).not.toContain('alice');
  });
});

describe('classifySesError', () => {
  it('treats an unknown 4xx as refused and an unknown 5xx as deferred', () => {
    expect(classifySesError({ name: 'SomethingNew', $metadata: { httpStatusCode: 400 } })).toBeInstanceOf(
      DeliveryRefused,
    );
    expect(classifySesError({ name: 'SomethingNew', $metadata: { httpStatusCode: 502 } })).toBeInstanceOf(
      DeliveryDeferred,
    );
  });
});
