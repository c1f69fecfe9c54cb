import { randomBytes } from 'node:crypto';
import {
  type PaymentTokenBinding,
  type PaymentTokenOpener,
  type PaymentTokenSealer,
  PaymentTokenUnreadable,
} from '../../../shared/crypto/payment-token.js';

/**
 * KMS in miniature: a sealed token is random bytes (base64) that only this cipher can open, and only for
 * the order it was sealed for, so tests can check that nothing downstream holds the token in any form.
 */
export class FakePaymentTokenCipher implements PaymentTokenSealer, PaymentTokenOpener {
  private readonly sealed = new Map<string, { token: string; orderId: string }>();
  readonly opened: Array<{ sealed: string; orderId: string }> = [];

  async seal(token: string, binding: PaymentTokenBinding): Promise<string> {
    return this.sealNow(token, binding);
  }

  /** `seal` without the wait, for building events in tests. */
  sealNow(token: string, { orderId }: PaymentTokenBinding): string {
    const ciphertext = randomBytes(48).toString('base64');
    this.sealed.set(ciphertext, { token, orderId });
    return ciphertext;
  }

  async open(ciphertext: string, { orderId }: PaymentTokenBinding): Promise<string> {
    this.opened.push({ sealed: ciphertext, orderId });
    const entry = this.sealed.get(ciphertext);
    if (!entry || entry.orderId !== orderId) {
      throw new PaymentTokenUnreadable(orderId, 'InvalidCiphertextException');
    }
    return entry.token;
  }

  /** What a ciphertext holds, for assertions (`undefined`: not sealed by this cipher). */
  peek(ciphertext: string): { token: string; orderId: string } | undefined {
    return this.sealed.get(ciphertext);
  }
}
