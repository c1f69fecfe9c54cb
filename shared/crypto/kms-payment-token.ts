import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { PAYMENT_TOKEN_PURPOSE } from '../../events/orders/index.js';
import {
  type PaymentTokenBinding,
  type PaymentTokenOpener,
  type PaymentTokenSealer,
  PaymentTokenUnreadable,
} from './payment-token.js';

/**
 * KMS errors that mean the ciphertext itself is wrong (tampered, another encryption context, another
 * key): asking again gives the same answer. Anything else (throttling, network, a disabled key) is left
 * to the caller's retries.
 */
const UNREADABLE = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/**
 * Card tokens sealed with one symmetric KMS key (decisions.md, "Card tokens travel sealed"). The order id
 * and the purpose are the encryption context: KMS authenticates them with the ciphertext and records them
 * in CloudTrail, and the key policy only lets payments decrypt under this purpose. A token is at most
 * 256 bytes (the API's limit), far below KMS's 4 KB, so it is encrypted directly, with no data key.
 */
export class KmsPaymentTokenCipher implements PaymentTokenSealer, PaymentTokenOpener {
  constructor(
    private readonly client: KMSClient,
    /** Key id, key ARN, alias name or alias ARN (PAYMENT_TOKEN_KEY_ID). */
    private readonly keyId: string,
  ) {}

  async seal(token: string, binding: PaymentTokenBinding): Promise<string> {
    const { CiphertextBlob } = await this.client.send(
      new EncryptCommand({
        KeyId: this.keyId,
        Plaintext: Buffer.from(token, 'utf8'),
        EncryptionContext: encryptionContextOf(binding),
      }),
    );
    if (!CiphertextBlob) throw new Error('KMS Encrypt answered without a ciphertext');
    return Buffer.from(CiphertextBlob).toString('base64');
  }

  async open(sealed: string, binding: PaymentTokenBinding): Promise<string> {
    try {
      const { Plaintext } = await this.client.send(
        new DecryptCommand({
          // Naming the key makes KMS refuse a ciphertext of any other key, rather than open it.
          KeyId: this.keyId,
          CiphertextBlob: Buffer.from(sealed, 'base64'),
          EncryptionContext: encryptionContextOf(binding),
        }),
      );
      if (!Plaintext) throw new Error('KMS Decrypt answered without a plaintext');
      return Buffer.from(Plaintext).toString('utf8');
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (UNREADABLE.has(name)) throw new PaymentTokenUnreadable(binding.orderId, name);
      throw error;
    }
  }
}

export function encryptionContextOf(binding: PaymentTokenBinding): Record<string, string> {
  return { orderId: binding.orderId, purpose: PAYMENT_TOKEN_PURPOSE };
}
