import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsKeysOf, type LocalKms, startLocalKms } from '../../../scripts/local-cloud/kms.mjs';
import { CustomerContactUnreadable } from '../../../shared/crypto/customer-contact.js';
import { KmsCustomerContactCipher } from '../../../shared/crypto/kms-customer-contact.js';
import { KmsPaymentTokenCipher } from '../../../shared/crypto/kms-payment-token.js';
import { PaymentTokenUnreadable } from '../../../shared/crypto/payment-token.js';

const ALIAS = 'alias/commerce-test-payment-token';
const OTHER_ALIAS = 'alias/commerce-test-other';
const context = { orderId: 'ord-1', purpose: 'payment-token' };

let dir: string;
let kms: LocalKms;
let client: KMSClient;

async function start(): Promise<LocalKms> {
  return startLocalKms({
    port: 0,
    region: 'us-east-1',
    accountId: '000000000000',
    keys: [
      { name: 'PaymentTokenKey', aliases: [ALIAS] },
      { name: 'OtherKey', aliases: [OTHER_ALIAS] },
    ],
    keyStoreFile: join(dir, 'kms-keys.json'),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'local-kms-'));
  kms = await start();
  client = new KMSClient({
    endpoint: kms.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client.destroy();
  await kms.stop();
  rmSync(dir, { recursive: true, force: true });
});

const encrypt = (plaintext: string, encryptionContext: Record<string, string> = context, keyId = ALIAS) =>
  client.send(
    new EncryptCommand({
      KeyId: keyId,
      Plaintext: Buffer.from(plaintext),
      EncryptionContext: encryptionContext,
    }),
  );
const decrypt = (blob: Uint8Array, encryptionContext: Record<string, string> = context, keyId?: string) =>
  client.send(
    new DecryptCommand({
      CiphertextBlob: blob,
      EncryptionContext: encryptionContext,
      ...(keyId ? { KeyId: keyId } : {}),
    }),
  );

describe('local KMS emulator (AWS SDK client against it)', () => {
  it('encrypts under an alias and decrypts with the same context, naming the key by its ARN', async () => {
    const sealed = await encrypt('tok_visa_7c1d');

    expect(sealed.KeyId).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    expect(sealed.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    expect(Buffer.from(sealed.CiphertextBlob as Uint8Array).toString('latin1')).not.toContain(
      'tok_visa_7c1d',
    );
    const opened = await decrypt(sealed.CiphertextBlob as Uint8Array);
    expect(Buffer.from(opened.Plaintext as Uint8Array).toString()).toBe('tok_visa_7c1d');
    expect(opened.KeyId).toBe(sealed.KeyId);
  });

  it('gives a new ciphertext for every Encrypt of the same plaintext', async () => {
    const [first, second] = await Promise.all([encrypt('tok_visa'), encrypt('tok_visa')]);
    expect(Buffer.from(first.CiphertextBlob as Uint8Array)).not.toEqual(
      Buffer.from(second.CiphertextBlob as Uint8Array),
    );
  });

  it('accepts the encryption context in any key order, as KMS does', async () => {
    const sealed = await encrypt('tok_visa', { purpose: 'payment-token', orderId: 'ord-1' });
    const opened = await decrypt(sealed.CiphertextBlob as Uint8Array, {
      orderId: 'ord-1',
      purpose: 'payment-token',
    });
    expect(Buffer.from(opened.Plaintext as Uint8Array).toString()).toBe('tok_visa');
  });

  it('refuses another context, a missing one, or a changed byte with a 400 InvalidCiphertextException', async () => {
    const blob = Buffer.from((await encrypt('tok_visa')).CiphertextBlob as Uint8Array);
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;

    for (const attempt of [
      decrypt(blob, { orderId: 'ord-2', purpose: 'payment-token' }),
      decrypt(blob, {}),
      decrypt(tampered),
      decrypt(Buffer.from('not a ciphertext')),
    ]) {
      await expect(attempt).rejects.toMatchObject({
        name: 'InvalidCiphertextException',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('refuses to decrypt with another key named than the one that encrypted (IncorrectKeyException)', async () => {
    const blob = (await encrypt('tok_visa')).CiphertextBlob as Uint8Array;
    await expect(decrypt(blob, context, OTHER_ALIAS)).rejects.toMatchObject({
      name: 'IncorrectKeyException',
    });
    await expect(decrypt(blob, context, ALIAS)).resolves.toBeDefined();
  });

  it('answers an unknown key with NotFoundException', async () => {
    await expect(encrypt('tok_visa', context, 'alias/no-such-key')).rejects.toMatchObject({
      name: 'NotFoundException',
      message: "Alias 'arn:aws:kms:us-east-1:000000000000:alias/no-such-key' does not exist",
    });
  });

  it('refuses more than 4 KB of plaintext, as KMS does', async () => {
    await expect(encrypt('x'.repeat(4097))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('describes a key by alias', async () => {
    const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: ALIAS }));
    expect(KeyMetadata).toMatchObject({
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Enabled: true,
    });
  });

  it('keeps key material across restarts in a file only its owner can read, so older ciphertexts still open', async () => {
    const blob = (await encrypt('tok_visa')).CiphertextBlob as Uint8Array;
    const file = join(dir, 'kms-keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual(['PaymentTokenKey', 'OtherKey']);

    const restarted = await start();
    const again = new KMSClient({
      endpoint: restarted.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const opened = await again.send(
        new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }),
      );
      expect(Buffer.from(opened.Plaintext as Uint8Array).toString()).toBe('tok_visa');
    } finally {
      again.destroy();
      await restarted.stop();
    }
  });

  it('serves the functions’ cipher: sealed for one order, it opens for that order only', async () => {
    const cipher = new KmsPaymentTokenCipher(client, ALIAS);
    const sealed = await cipher.seal('tok_visa_9e2a', { orderId: 'ord-7' });

    await expect(cipher.open(sealed, { orderId: 'ord-7' })).resolves.toBe('tok_visa_9e2a');
    await expect(cipher.open(sealed, { orderId: 'ord-8' })).rejects.toBeInstanceOf(PaymentTokenUnreadable);
  });

  it('keeps a second key apart: contact details open with their key only, for their customer only', async () => {
    const contacts = new KmsCustomerContactCipher(client, OTHER_ALIAS);
    const sealed = await contacts.seal({ name: 'Ada', email: 'ada@example.com' }, { customerId: 'cus-1' });

    await expect(contacts.open(sealed, { customerId: 'cus-1' })).resolves.toEqual({
      name: 'Ada',
      email: 'ada@example.com',
    });
    await expect(contacts.open(sealed, { customerId: 'cus-2' })).rejects.toBeInstanceOf(
      CustomerContactUnreadable,
    );
    await expect(
      new KmsCustomerContactCipher(client, ALIAS).open(sealed, { customerId: 'cus-1' }),
    ).rejects.toMatchObject({
      reason: 'IncorrectKeyException',
    });
  });
});

describe('kmsKeysOf', () => {
  it('lists the stack’s keys with their aliases', () => {
    expect(
      kmsKeysOf({
        PaymentTokenKey: { Type: 'AWS::KMS::Key', Properties: {} },
        PaymentTokenKeyAlias: {
          Type: 'AWS::KMS::Alias',
          Properties: { AliasName: ALIAS, TargetKeyId: { Ref: 'PaymentTokenKey' } },
        },
        OrdersTable: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      }),
    ).toEqual([{ name: 'PaymentTokenKey', aliases: [ALIAS] }]);
  });
});
