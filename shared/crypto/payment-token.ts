/**
 * What a sealed card token is bound to. KMS authenticates it as the encryption context together with the
 * purpose, so a ciphertext copied onto another order, or used for anything but a payment token, does not
 * open.
 */
export interface PaymentTokenBinding {
  orderId: string;
}

/** Turns a card token into ciphertext only payments can open (orders' side). */
export interface PaymentTokenSealer {
  /** The token sealed for `binding`, as base64 text fit for an event. */
  seal(token: string, binding: PaymentTokenBinding): Promise<string>;
}

/** Opens a card token sealed for an order (payments' side). */
export interface PaymentTokenOpener {
  /**
   * The clear token, for the provider call only. Throws PaymentTokenUnreadable when the ciphertext can
   * never be opened (tampered, sealed for another order, another key); other errors are transient.
   */
  open(sealed: string, binding: PaymentTokenBinding): Promise<string>;
}

/** The ciphertext will never open: retrying cannot help. */
export class PaymentTokenUnreadable extends Error {
  constructor(
    readonly orderId: string,
    readonly reason: string,
  ) {
    super(`The sealed payment token of order ${orderId} cannot be opened: ${reason}`);
    this.name = 'PaymentTokenUnreadable';
  }
}
