import { CustomerProfileUpdatedV1 } from '../../events/customers/index.js';
import { createEnvelope } from '../../events/envelope.js';
import { retryOnConflict } from '../../shared/dynamodb/retry-on-conflict.js';
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

/**
 * PUT /me: stores the new contact details with `CustomerProfileUpdated` in one transaction, optimistic on
 * `profileVersion`; a concurrent change makes it read again and re-apply (after the shared policy's
 * attempts the conflict reaches the client as a 409). Details equal to the stored ones
 * change nothing and publish nothing, so a client retry is harmless.
 */
export async function updateMyProfile(
  customerId: string,
  details: ContactDetails,
  ports: { customers: CustomerRepository; clock: Clock },
  trace: Trace,
): Promise<ProfileView> {
  return retryOnConflict(
    async () => {
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
      await ports.customers.save(next, current.profileVersion, [updated]);
      return toView(next);
    },
    { retryOn: (error) => error instanceof ProfileVersionConflict },
  );
}
