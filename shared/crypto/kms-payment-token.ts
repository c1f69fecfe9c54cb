import type { KMSClient } from '@aws-sdk/client-kms';
import { KmsSealedValueCipher } from './kms-sealed-value.js';
import { paymentTokenSealing } from './payment-token.js';

/**
 * Card tokens sealed with the payments' key (decisions.md, "Card tokens travel sealed"): bound to the
 * order id, and the key policy only lets payments decrypt under the payment-token purpose. A token is at
 * most 256 bytes (the API's limit).
 */
export class KmsPaymentTokenCipher extends KmsSealedValueCipher<'orderId'> {
  constructor(
    client: KMSClient,
    /** Key id, key ARN, alias name or alias ARN (PAYMENT_TOKEN_KEY_ID). */
    keyId: string,
  ) {
    super(client, keyId, paymentTokenSealing);
  }
}
