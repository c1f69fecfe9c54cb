import type { CustomerContact } from '../../events/customers/index.js';
import { CustomerContactUnreadable } from '../../shared/crypto/customer-contact.js';
import type { Contact } from './model.js';
import type { ContactBook, CustomerContactOpener } from './ports.js';

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

/** A profile report whose name and e-mail travel sealed for the customer (CustomerProfileUpdated v2). */
export interface SealedContactReport {
  customerId: string;
  sealedContact: string;
  profileVersion: number;
  updatedAt: string;
}

/**
 * Opens the sealed details and keeps them like a clear report. A ciphertext that can never be opened
 * (tampered, sealed for another customer or with another key) is `unreadable`: the stored contact stays
 * as it is, because a redelivery would meet the same answer and a dead-lettered copy could never be
 * redriven into anything better. A transient KMS failure is thrown, for the event to be delivered again.
 */
export async function projectSealedContact(
  report: SealedContactReport,
  ports: { contacts: ContactBook; opener: CustomerContactOpener },
): Promise<'applied' | 'stale' | 'unreadable'> {
  let details: CustomerContact;
  try {
    details = await ports.opener.open(report.sealedContact, { customerId: report.customerId });
  } catch (error) {
    if (error instanceof CustomerContactUnreadable) return 'unreadable';
    throw error;
  }
  return projectContact(
    {
      customerId: report.customerId,
      name: details.name,
      email: details.email,
      profileVersion: report.profileVersion,
      updatedAt: report.updatedAt,
    },
    ports,
  );
}
