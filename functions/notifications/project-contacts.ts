import { projectContact } from '../../domains/notifications/project-contact.js';
import { CustomerProfileUpdatedV1 } from '../../events/customers/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { eventConsumer } from '../../shared/consumers/event-consumer.js';
import { logger } from '../../shared/observability.js';
import { contactBook } from './dependencies.js';

/** The customers' contact details, kept where notifications need them (the newest profile version wins). */
export const handler = eventConsumer([
  on(CustomerProfileUpdatedV1, async ({ data }) => {
    const outcome = await projectContact(data, { contacts: contactBook() });
    logger.info('Contact projected', {
      customerId: data.customerId,
      profileVersion: data.profileVersion,
      outcome,
    });
  }),
]);
