import { CustomerProfileUpdatedV2 } from '../../events/customers/index.js';
import { type CausalContext, createEnvelope } from '../../events/envelope.js';
import type { Clock } from '../../shared/clock.js';
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
import type { CustomerContactSealer, CustomerRepository } from './ports.js';

/**
 * PUT /me: stores the new contact details with `CustomerProfileUpdated` in one transaction, optimistic on
 * `profileVersion`; a concurrent change makes it read again and re-apply (after the shared policy's
 * attempts the conflict reaches the client as a 409). Details equal to the stored ones
 * change nothing and publish nothing, so a client retry is harmless. The name and e-mail leave this
 * request only sealed for the customer (decisions.md): the outbox, the bus and every store downstream
 * see ciphertext.
 */
export async function updateMyProfile(
  customerId: string,
  details: ContactDetails,
  ports: { customers: CustomerRepository; contacts: CustomerContactSealer; clock: Clock },
  trace: CausalContext,
): Promise<ProfileView> {
  return retryOnConflict(
    async () => {
      const current = await profileOf(customerId, ports);
      if (hasContactDetails(current, details)) return toView(current);
      const now = ports.clock.now();
      const next = withContactDetails(current, details, now);
      const sealedContact = await ports.contacts.seal(
        { name: details.name, email: details.email },
        { customerId },
      );
      const updated = createEnvelope(
        CustomerProfileUpdatedV2,
        {
          customerId,
          sealedContact,
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
