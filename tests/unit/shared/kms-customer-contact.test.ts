import { DecryptCommand, EncryptCommand, IncorrectKeyException, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CustomerContactUnreadable } from '../../../shared/crypto/customer-contact.js';
import { KmsCustomerContactCipher } from '../../../shared/crypto/kms-customer-contact.js';
import { SealedValueUnreadable } from '../../../shared/crypto/sealed-value.js';

const CONTACT_KEY = 'alias/commerce-test-customer-contact';
const kms = mockClient(KMSClient);
const contacts = new KmsCustomerContactCipher(new KMSClient({ region: 'us-east-1' }), CONTACT_KEY);
const bound = { customerId: 'cus-42' };
const decryptAnswers = (plaintext: string) =>
  kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(plaintext) });

beforeEach(() => kms.reset());

describe('KmsCustomerContactCipher', () => {
  it('seals only the name and e-mail, as JSON, bound to the customer and the customer-contact purpose', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Uint8Array.from([7, 7, 7]) });
    const details = { name: 'Ada', email: 'ada@example.com', loyaltyTier: 'gold' };

    expect(await contacts.seal(details, bound)).toBe('BwcH');
    const [call] = kms.commandCalls(EncryptCommand);
    expect(call?.args[0].input.KeyId).toBe(CONTACT_KEY);
    expect(call?.args[0].input.EncryptionContext).toEqual({
      customerId: 'cus-42',
      purpose: 'customer-contact',
    });
    expect(JSON.parse(Buffer.from(call?.args[0].input.Plaintext as Uint8Array).toString())).toEqual({
      name: 'Ada',
      email: 'ada@example.com',
    });
  });

  it('opens what it sealed under the same key and binding', async () => {
    decryptAnswers('{"email":"ada@example.com"}');

    expect(await contacts.open('BwcH', bound)).toEqual({ email: 'ada@example.com' });
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input).toMatchObject({
      KeyId: CONTACT_KEY,
      EncryptionContext: { customerId: 'cus-42', purpose: 'customer-contact' },
    });
  });

  it('reports a ciphertext of another key as unreadable for that customer, like every sealed value', async () => {
    kms.on(DecryptCommand).rejects(new IncorrectKeyException({ message: 'wrong key', $metadata: {} }));

    const failure = await contacts.open('BwcH', bound).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CustomerContactUnreadable);
    expect(failure).toBeInstanceOf(SealedValueUnreadable);
    expect(failure).toMatchObject({
      customerId: 'cus-42',
      purpose: 'customer-contact',
      reason: 'IncorrectKeyException',
    });
  });

  it('reports a plaintext that is no contact as unreadable without quoting it', async () => {
    decryptAnswers('{"email":"not an address at all"}');

    const failure = await contacts.open('BwcH', bound).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CustomerContactUnreadable);
    expect(String(failure)).not.toContain('not an address');
  });
});
