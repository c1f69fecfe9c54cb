import { type CustomerProfile, ProfileVersionConflict } from '../../../domains/customers/model.js';
import type { CustomerRepository } from '../../../domains/customers/ports.js';
import type { EventEnvelope } from '../../../events/envelope.js';

export { FixedClock } from '../catalog/fakes.js';

/**
 * An in-memory CustomerRepository with the DynamoDB one's promises: one profile per customer whoever
 * creates it first; saves are optimistic on `profileVersion` and store their events with them.
 * `beforeSave` lets a test play a concurrent writer between a use case's read and its write.
 */
export class InMemoryCustomerRepository implements CustomerRepository {
  readonly profiles = new Map<string, CustomerProfile>();
  /** Every event stored with a state change, in the order they were recorded (the outbox). */
  readonly outbox: EventEnvelope[] = [];
  creates = 0;
  saves = 0;
  beforeSave?: (next: CustomerProfile) => void;

  constructor(initial: CustomerProfile[] = []) {
    for (const profile of initial) this.profiles.set(profile.customerId, structuredClone(profile));
  }

  async get(customerId: string): Promise<CustomerProfile | undefined> {
    const profile = this.profiles.get(customerId);
    return profile && structuredClone(profile);
  }

  async createIfAbsent(profile: CustomerProfile): Promise<CustomerProfile> {
    this.creates++;
    const stored = this.profiles.get(profile.customerId);
    if (stored) return structuredClone(stored);
    this.profiles.set(profile.customerId, structuredClone(profile));
    return structuredClone(profile);
  }

  async save(next: CustomerProfile, expectedVersion: number, events: EventEnvelope[]): Promise<void> {
    this.saves++;
    this.beforeSave?.(next);
    if (this.profiles.get(next.customerId)?.profileVersion !== expectedVersion) {
      throw new ProfileVersionConflict(next.customerId);
    }
    this.profiles.set(next.customerId, structuredClone(next));
    this.outbox.push(...structuredClone(events));
  }
}
