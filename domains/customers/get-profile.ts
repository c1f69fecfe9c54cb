import type { Clock } from '../../shared/clock.js';
import { type CustomerProfile, newProfile, type ProfileView, toView } from './model.js';
import type { CustomerRepository } from './ports.js';

/** The customer's profile, created empty on first use; concurrent first calls end with one profile. */
export async function profileOf(
  customerId: string,
  ports: { customers: CustomerRepository; clock: Clock },
): Promise<CustomerProfile> {
  const stored = await ports.customers.get(customerId);
  return stored ?? ports.customers.createIfAbsent(newProfile(customerId, ports.clock.now()));
}

/** GET /me. */
export async function getMyProfile(
  customerId: string,
  ports: { customers: CustomerRepository; clock: Clock },
): Promise<ProfileView> {
  return toView(await profileOf(customerId, ports));
}
