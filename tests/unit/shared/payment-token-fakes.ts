import {
  type PaymentTokenBinding,
  type PaymentTokenOpener,
  type PaymentTokenSealer,
  paymentTokenSealing,
} from '../../../shared/crypto/payment-token.js';
import { FakeSealedValues } from './sealed-value-fakes.js';

/** Card tokens sealed in memory, each for one order (see FakeSealedValues). */
export class FakePaymentTokenCipher implements PaymentTokenSealer, PaymentTokenOpener {
  private readonly values = new FakeSealedValues(paymentTokenSealing);

  /** Every opening asked for, with the order it was asked for. */
  get opened(): Array<{ sealed: string; orderId: string }> {
    return this.values.opened.map(({ sealed, subjectId }) => ({ sealed, orderId: subjectId }));
  }

  async seal(token: string, binding: PaymentTokenBinding): Promise<string> {
    return this.sealNow(token, binding);
  }

  /** `seal` without the wait, for building events in tests. */
  sealNow(token: string, binding: PaymentTokenBinding): string {
    return this.values.sealNow(token, binding);
  }

  async open(ciphertext: string, binding: PaymentTokenBinding): Promise<string> {
    return this.values.openNow(ciphertext, binding);
  }

  /** What a ciphertext holds, for assertions (`undefined`: not sealed by this cipher). */
  peek(ciphertext: string): { token: string; orderId: string } | undefined {
    const entry = this.values.peek(ciphertext);
    return entry && { token: entry.plaintext, orderId: entry.subjectId };
  }
}
