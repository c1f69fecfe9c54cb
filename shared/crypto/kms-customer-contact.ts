import type { KMSClient } from '@aws-sdk/client-kms';
import { type CustomerContact, customerContactSchema } from '../../events/customers/index.js';
import {
  type CustomerContactBinding,
  type CustomerContactOpener,
  type CustomerContactSealer,
  customerContactSealing,
} from './customer-contact.js';
import { KmsSealedValueCipher } from './kms-sealed-value.js';

/**
 * Contact details sealed with the notifications' contact key (decisions.md), as JSON: customers' update-me
 * may only encrypt and notifications' projection only decrypt, both under the customer-contact purpose.
 */
export class KmsCustomerContactCipher implements CustomerContactSealer, CustomerContactOpener {
  private readonly values: KmsSealedValueCipher<'customerId'>;

  constructor(
    client: KMSClient,
    /** Key id, key ARN, alias name or alias ARN (CUSTOMER_CONTACT_KEY_ID). */
    keyId: string,
  ) {
    this.values = new KmsSealedValueCipher(client, keyId, customerContactSealing);
  }

  seal(contact: CustomerContact, binding: CustomerContactBinding): Promise<string> {
    // Only the details themselves: nothing else a caller's object carries is sealed into events.
    const details = { name: contact.name, email: contact.email };
    return this.values.seal(JSON.stringify(details), binding);
  }

  async open(sealed: string, binding: CustomerContactBinding): Promise<CustomerContact> {
    const text = await this.values.open(sealed, binding);
    const parsed = customerContactSchema.safeParse(parseJson(text));
    // A name for the reason, never the opened text: errors end up in logs.
    if (!parsed.success) throw customerContactSealing.unreadable(binding.customerId, 'NotAContact');
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
