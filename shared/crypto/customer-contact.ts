import { CUSTOMER_CONTACT_PURPOSE, type CustomerContact } from '../../events/customers/index.js';
import { type SealBinding, SealedValueUnreadable, sealingScheme } from './sealed-value.js';

/** Contact details are sealed for one customer: a ciphertext copied onto another profile does not open. */
export type CustomerContactBinding = SealBinding<'customerId'>;

/** Turns contact details into ciphertext only their readers can open (customers' side). */
export interface CustomerContactSealer {
  /** The name and e-mail sealed for `binding`, as base64 text fit for an event. */
  seal(contact: CustomerContact, binding: CustomerContactBinding): Promise<string>;
}

/** Opens contact details sealed for a customer (notifications' side). */
export interface CustomerContactOpener {
  /**
   * The clear details. Throws CustomerContactUnreadable when the ciphertext can never be opened
   * (tampered, sealed for another customer, another key) or holds no contact; other errors are transient.
   */
  open(sealed: string, binding: CustomerContactBinding): Promise<CustomerContact>;
}

/** The ciphertext will never yield a contact: retrying cannot help (the stored contact stays). */
export class CustomerContactUnreadable extends SealedValueUnreadable {
  override readonly name = 'CustomerContactUnreadable';
  get customerId(): string {
    return this.subjectId;
  }
}

/** Contact details are sealed for `{ customerId, purpose: 'customer-contact' }`. */
export const customerContactSealing = sealingScheme(
  CUSTOMER_CONTACT_PURPOSE,
  'customerId',
  CustomerContactUnreadable,
);
