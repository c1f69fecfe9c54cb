import { DecryptCommand, EncryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsPaymentTokenCipher } from '../../../shared/crypto/kms-payment-token.js';
import { PaymentTokenUnreadable } from '../../../shared/crypto/payment-token.js';

const KEY = 'alias/commerce-test-payment-token';
const kms = mockClient(KMSClient);
const cipher = new KmsPaymentTokenCipher(new KMSClient({ region: 'us-east-1' }), KEY);
const BLOB = Uint8Array.from([1, 2, 3, 250, 251, 252]);

beforeEach(() => kms.reset());

describe('KmsPaymentTokenCipher', () => {
  it('seals with the key, bound to the order and the purpose, as base64', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: BLOB });

    const sealed = await cipher.seal('tok_visa', { orderId: 'ord-1' });

    expect(sealed).toBe(Buffer.from(BLOB).toString('base64'));
    expect(kms.commandCalls(EncryptCommand)[0]?.args[0].input).toEqual({
      KeyId: KEY,
      Plaintext: Buffer.from('tok_visa'),
      EncryptionContext: { orderId: 'ord-1', purpose: 'payment-token' },
    });
  });

  it('opens with the same key and context, naming the key so no other key is accepted', async () => {
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('tok_visa') });

    const token = await cipher.open(Buffer.from(BLOB).toString('base64'), { orderId: 'ord-1' });

    expect(token).toBe('tok_visa');
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input).toEqual({
      KeyId: KEY,
      CiphertextBlob: Buffer.from(BLOB),
      EncryptionContext: { orderId: 'ord-1', purpose: 'payment-token' },
    });
  });

  it('reports a ciphertext KMS will never open (another order, tampered) as unreadable', async () => {
    kms.on(DecryptCommand).rejects(new InvalidCiphertextException({ message: 'invalid', $metadata: {} }));

    const opening = cipher.open('AQID', { orderId: 'ord-2' });

    await expect(opening).rejects.toBeInstanceOf(PaymentTokenUnreadable);
    await expect(opening).rejects.toMatchObject({ orderId: 'ord-2', reason: 'InvalidCiphertextException' });
  });

  it('lets a transient failure (throttling, network) through, for the caller to retry', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    kms.on(DecryptCommand).rejects(throttled);

    await expect(cipher.open('AQID', { orderId: 'ord-1' })).rejects.toThrow('Rate exceeded');
    await expect(cipher.open('AQID', { orderId: 'ord-1' })).rejects.not.toBeInstanceOf(
      PaymentTokenUnreadable,
    );
  });
});
