import type { EventEnvelope } from '../../events/envelope.js';
import type { CustomerProfile } from './model.js';

/** Seals the name and e-mail before they leave the request (decisions.md). */
export type { CustomerContactSealer } from '../../shared/crypto/customer-contact.js';

export interface CustomerRepository {
  get(customerId: string): Promise<CustomerProfile | undefined>;
  /**
   * Stores the profile unless the customer already has one, and returns the stored profile: the given one,
   * or the one a concurrent first call created (so concurrent first calls create exactly one profile).
   */
  createIfAbsent(profile: CustomerProfile): Promise<CustomerProfile>;
  /**
   * Replaces the profile with `next` and stores its events atomically, provided the stored profile is
   * still at `expectedVersion`; throws ProfileVersionConflict otherwise.
   */
  save(next: CustomerProfile, expectedVersion: number, events: EventEnvelope[]): Promise<void>;
}
