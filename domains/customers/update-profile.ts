import { CustomerProfileUpdatedV1 } from '../../events/customers/index.js';
import { createEnvelope } from '../../events/envelope.js';
import { profileOf } from './get-profile.js';
import {
  type ContactDetails,
  hasContactDetails,
  ProfileVersionConflict,
  type ProfileView,
  toView,
  withContactDetails,
} from './model.js';
import type { Clock, CustomerRepository, Trace } from './ports.js';

/** Attempts before a version conflict reaches the client as a 409. */
const MAX_ATTEMPTS = 5;

/**
 * PUT /me: stores the new contact details with `CustomerProfileUpdated` in one transaction, optimistic on
 * `profileVersion`; a concurrent change makes it read again and re-apply. Details equal to the stored ones
 * change nothing and publish nothing, so a client retry is harmless.
 */
export async function updateMyProfile(
  customerId: string,
  details: ContactDetails,
  ports: { customers: CustomerRepository; clock: Clock },
  trace: Trace,
): Promise<ProfileView> {
  for (let attempt = 1; ; attempt++) {
    const current = await profileOf(customerId, ports);
    if (hasContactDetails(current, details)) return toView(current);
    const now = ports.clock.now();
    const next = withContactDetails(current, details, now);
    const updated = createEnvelope(
      CustomerProfileUpdatedV1,
      {
        customerId,
        name: details.name,
        email: details.email,
        profileVersion: next.profileVersion,
        updatedAt: next.updatedAt,
      },
      trace,
      { now },
    );
    try {
      await ports.customers.save(next, current.profileVersion, [updated]);
      return toView(next);
    } catch (error) {
      if (!(error instanceof ProfileVersionConflict) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
