import { PAYMENT_TOKEN_PURPOSE } from '../../events/orders/index.js';
import {
  type SealBinding,
  SealedValueUnreadable,
  sealingScheme,
  type ValueOpener,
  type ValueSealer,
} from './sealed-value.js';

/**
 * What a sealed card token is bound to. KMS authenticates it as the encryption context together with the
 * purpose, so a ciphertext copied onto another order, or used for anything but a payment token, does not
 * open.
 */
export type PaymentTokenBinding = SealBinding<'orderId'>;

/** Turns a card token into ciphertext only payments can open (orders' side). */
export type PaymentTokenSealer = ValueSealer<'orderId'>;

/**
 * Opens a card token sealed for an order (payments' side), for the provider call only. Throws
 * PaymentTokenUnreadable when the ciphertext can never be opened; other errors are transient.
 */
export type PaymentTokenOpener = ValueOpener<'orderId'>;

/** The ciphertext will never open: retrying cannot help (payments declines the card). */
export class PaymentTokenUnreadable extends SealedValueUnreadable {
  override readonly name = 'PaymentTokenUnreadable';
  get orderId(): string {
    return this.subjectId;
  }
}

/** Card tokens are sealed for `{ orderId, purpose: 'payment-token' }`. */
export const paymentTokenSealing = sealingScheme(PAYMENT_TOKEN_PURPOSE, 'orderId', PaymentTokenUnreadable);
