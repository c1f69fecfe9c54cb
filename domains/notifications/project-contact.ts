import type { Contact } from './model.js';
import type { ContactBook } from './ports.js';

/**
 * Keeps the customer's contact details from CustomerProfileUpdated. Reports may arrive twice or out of
 * order: only a newer profile version replaces the stored one (`stale` otherwise).
 */
export function projectContact(
  contact: Contact,
  ports: { contacts: ContactBook },
): Promise<'applied' | 'stale'> {
  // Only what the projection needs is kept, not whatever else a newer producer adds to the event.
  return ports.contacts.apply({
    customerId: contact.customerId,
    name: contact.name,
    email: contact.email,
    profileVersion: contact.profileVersion,
    updatedAt: contact.updatedAt,
  });
}
