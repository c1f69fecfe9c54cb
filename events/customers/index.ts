import { eventsOf } from '../envelope.js';
import { aggregateVersion, id, timestamp } from '../fields.js';
import * as z from '../zod.js';

export const CUSTOMERS_PRODUCER = 'customers';

const customersEvent = eventsOf(CUSTOMERS_PRODUCER);

/**
 * The first CustomerProfileUpdated: it carries the name and the e-mail in clear, so every subscriber, the
 * event store and the bus archive kept them. Customers no longer publishes it (V2 replaced it); consumers
 * still read it, because events already stored or archived are replayed.
 */
export const CustomerProfileUpdatedV1 = customersEvent('CustomerProfileUpdated', 1, {
  customerId: id,
  name: z.optional(z.string()),
  email: z.optional(z.email()),
  profileVersion: aggregateVersion,
  updatedAt: timestamp,
});

/** The encryption context sealed contact details are bound to: KMS refuses to open them under any other. */
export const CUSTOMER_CONTACT_PURPOSE = 'customer-contact';

/** What `sealedContact` holds once opened: UTF-8 JSON of the customer's contact details. */
export const customerContactSchema = z.looseObject({
  name: z.optional(z.string()),
  email: z.optional(z.email()),
});
export type CustomerContact = z.infer<typeof customerContactSchema>;

/**
 * CustomerProfileUpdated as customers publishes it: the contact details travel sealed for the consumers
 * whose role may open them (notifications), so the bus, the event store, the archive and every other
 * subscriber only ever see ciphertext (decisions.md). `profileVersion` lets projections keep the newest.
 */
export const CustomerProfileUpdatedV2 = customersEvent('CustomerProfileUpdated', 2, {
  customerId: id,
  /**
   * The contact details (`{ name?, email? }` as JSON) as ciphertext bound to the customer by the
   * encryption context (`{ customerId, purpose: 'customer-contact' }`): base64 of a KMS ciphertext blob.
   */
  sealedContact: z.base64().check(z.minLength(1)),
  profileVersion: aggregateVersion,
  updatedAt: timestamp,
});
