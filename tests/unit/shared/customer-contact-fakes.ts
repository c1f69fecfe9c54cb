import type { CustomerContact } from '../../../events/customers/index.js';
import {
  type CustomerContactBinding,
  type CustomerContactOpener,
  type CustomerContactSealer,
  customerContactSealing,
} from '../../../shared/crypto/customer-contact.js';
import { FakeSealedValues } from './sealed-value-fakes.js';

/** Contact details sealed in memory, each for one customer (see FakeSealedValues). */
export class FakeCustomerContactCipher implements CustomerContactSealer, CustomerContactOpener {
  readonly values = new FakeSealedValues(customerContactSealing);

  async seal(contact: CustomerContact, binding: CustomerContactBinding): Promise<string> {
    return this.sealNow(contact, binding);
  }

  /** `seal` without the wait, for building events in tests. */
  sealNow(contact: CustomerContact, binding: CustomerContactBinding): string {
    return this.values.sealNow(JSON.stringify(contact), binding);
  }

  async open(ciphertext: string, binding: CustomerContactBinding): Promise<CustomerContact> {
    return JSON.parse(this.values.openNow(ciphertext, binding));
  }

  /** The details a ciphertext holds and whom they were sealed for (`undefined`: not sealed here). */
  peek(ciphertext: string): { contact: CustomerContact; customerId: string } | undefined {
    const entry = this.values.peek(ciphertext);
    return entry && { contact: JSON.parse(entry.plaintext), customerId: entry.subjectId };
  }
}
