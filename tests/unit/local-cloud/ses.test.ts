import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestException, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SesSender } from '../../../domains/notifications/adapters/ses-sender.js';
import { DeliveryDeferred, DeliveryRefused } from '../../../domains/notifications/model.js';
import { type LocalSes, startLocalSes, toEml } from '../../../scripts/local-cloud/ses.mjs';

let ses: LocalSes;
let client: SESv2Client;
let mailDir: string;
const logs: string[] = [];

const simple = (overrides: Record<string, unknown> = {}) => ({
  FromEmailAddress: 'orders@shop.example.com',
  Destination: { ToAddresses: ['alice@example.com'] },
  Content: {
    Simple: {
      Subject: { Data: 'Your order ord-1 is confirmed', Charset: 'UTF-8' },
      Body: { Text: { Data: 'Hello Alice,\n\nyour order is confirmed.', Charset: 'UTF-8' } },
    },
  },
  ...overrides,
});

beforeAll(async () => {
  mailDir = join(mkdtempSync(join(tmpdir(), 'local-ses-')), 'mail');
  ses = await startLocalSes({ port: 0, mailDir, clearOnStart: true, log: (_level, line) => logs.push(line) });
  client = new SESv2Client({
    endpoint: ses.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await ses.stop();
  rmSync(join(mailDir, '..'), { recursive: true, force: true });
});
beforeEach(() => ses.setFault('off'));

describe('local SES: SendEmail', () => {
  it('answers the SDK with a MessageId and captures the message as .eml and in /_local/mail', async () => {
    const { MessageId } = await client.send(new SendEmailCommand(simple()));

    expect(MessageId).toMatch(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/);
    const eml = readFileSync(join(mailDir, `${MessageId}.eml`), 'utf8');
    expect(eml).toMatch(/^From: orders@shop\.example\.com\r\n/);
    expect(eml).toContain('\r\nTo: alice@example.com\r\n');
    expect(eml).toContain('\r\nSubject: Your order ord-1 is confirmed\r\n');
    expect(eml).toMatch(/\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000\r\n/);
    expect(eml).toContain(`\r\nMessage-ID: <${MessageId}@email.amazonses.com>\r\n`);
    expect(eml).toContain('\r\n\r\nHello Alice,\r\n\r\nyour order is confirmed.\r\n');

    const listed = await (await fetch(`${ses.url}/_local/mail?to=ALICE@example.com`)).json();
    expect(listed).toContainEqual({
      id: MessageId,
      from: 'orders@shop.example.com',
      to: ['alice@example.com'],
      cc: [],
      subject: 'Your order ord-1 is confirmed',
      sentAt: expect.any(String),
      text: 'Hello Alice,\n\nyour order is confirmed.',
    });
    const download = await fetch(`${ses.url}/_local/mail/${MessageId}.eml`);
    expect(download.headers.get('content-type')).toBe('message/rfc822');
    expect(await download.text()).toBe(eml);
  });

  it('lists only the messages to the address asked for', async () => {
    await client.send(new SendEmailCommand(simple({ Destination: { ToAddresses: ['bob@example.com'] } })));

    const forBob = (await (await fetch(`${ses.url}/_local/mail?to=bob@example.com`)).json()) as Array<{
      to: string[];
    }>;
    const forNobody = await (await fetch(`${ses.url}/_local/mail?to=nobody@example.com`)).json();

    expect(forBob.map((mail) => mail.to)).toEqual([['bob@example.com']]);
    expect(forNobody).toEqual([]);
  });

  it.each([
    ['no Destination', { Destination: undefined }, /Destination is required/],
    ['no recipient', { Destination: { ToAddresses: [] } }, /no recipient/],
    ['no FromEmailAddress', { FromEmailAddress: undefined }, /FromEmailAddress is required/],
    [
      'an illegal address',
      { Destination: { ToAddresses: ['not an address'] } },
      /Illegal address in Destination/,
    ],
    ['no content', { Content: undefined }, /Content is required/],
    [
      'more than 50 recipients',
      { Destination: { ToAddresses: Array.from({ length: 51 }, (_, i) => `r${i}@example.com`) } },
      /at most 50 recipients/,
    ],
  ])('refuses a request with %s as SES does: 400 BadRequestException', async (_case, overrides, message) => {
    const error = await client
      .send(new SendEmailCommand(simple(overrides) as never))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).$metadata.httpStatusCode).toBe(400);
    expect((error as Error).message).toMatch(message);
  });

  it('never names a recipient in what it prints or answers', async () => {
    const error = await client
      .send(new SendEmailCommand(simple({ Destination: { ToAddresses: ['zelda secret@example.com'] } })))
      .catch((e: Error) => e);

    expect(String(error)).not.toContain('zelda');
    expect(logs.join('\n')).not.toMatch(/alice|bob|zelda/);
  });

  it('encodes a subject that is not plain ASCII, so it cannot inject headers', () => {
    const eml = toEml({
      id: 'x',
      from: 'a@example.com',
      to: ['b@example.com'],
      cc: [],
      bcc: ['hidden@example.com'],
      replyTo: [],
      subject: 'Bestellung für Zoë\r\nBcc: evil@example.com',
      text: 'Hi',
      sentAt: '2026-12-01T08:00:00.000Z',
      tags: [],
    });

    expect(eml).toContain('Subject: =?UTF-8?B?');
    expect(eml).not.toMatch(/^Bcc:/m);
    expect(eml).toContain('Date: Tue, 01 Dec 2026 08:00:00 +0000');
  });
});

describe('local SES: fault switch, as the SES sender sees it', () => {
  const sender = () => new SesSender(client, 'orders@shop.example.com');
  const message = {
    notificationId: 'ntf-1',
    to: 'carol@example.com',
    subject: 'S',
    body: 'B',
    correlationId: 'c',
  };

  it('throttles with 429 TooManyRequestsException: deferred', async () => {
    await fetch(`${ses.url}/_local/mail/fault`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'throttle' }),
    });

    await expect(sender().send(message)).rejects.toBeInstanceOf(DeliveryDeferred);
  });

  it('rejects with 400 MessageRejected: refused', async () => {
    ses.setFault('reject');

    await expect(sender().send(message)).rejects.toBeInstanceOf(DeliveryRefused);
  });

  it('captures nothing while faulty, and sends again once switched off', async () => {
    const before = readdirSync(mailDir).length;
    ses.setFault('throttle');
    await sender()
      .send(message)
      .catch(() => undefined);
    expect(readdirSync(mailDir)).toHaveLength(before);

    ses.setFault('off');
    const receipt = await sender().send(message);

    expect(receipt.providerMessageId).toBeDefined();
    expect(ses.messages({ to: 'carol@example.com' })).toHaveLength(1);
  });
});

describe('local SES: a fault for one recipient', () => {
  it('throttles only the messages to that address', async () => {
    await fetch(`${ses.url}/_local/mail/fault`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'throttle', to: 'Dora@example.com' }),
    });
    const to = (address: string) =>
      client.send(new SendEmailCommand(simple({ Destination: { ToAddresses: [address] } })));

    await expect(to('dora@example.com')).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    await expect(to('erin@example.com')).resolves.toMatchObject({ MessageId: expect.any(String) });

    ses.setFault('off', 'dora@example.com');
    await expect(to('dora@example.com')).resolves.toMatchObject({ MessageId: expect.any(String) });
  });
});

describe('local SES: start', () => {
  it('empties the mail folder of a stage that keeps no data', async () => {
    const again = await startLocalSes({ port: 0, mailDir, clearOnStart: true, log: () => undefined });
    try {
      expect(again.messages()).toEqual([]);
    } finally {
      await again.stop();
    }
  });
});
