import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { projectContact, projectSealedContact } from '../../domains/notifications/project-contact.js';
import { CustomerProfileUpdatedV1, CustomerProfileUpdatedV2 } from '../../events/customers/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { eventConsumer } from '../../shared/consumers/event-consumer.js';
import { logger, metrics } from '../../shared/observability.js';
import { contactBook, contactOpener } from './dependencies.js';

/**
 * The customers' contact details, kept where notifications need them (the newest profile version wins).
 * Customers publishes them sealed (v2); v1, in clear, still comes from replays of stored events. Log lines
 * hold ids only, never the details. Idempotent by profile version, so `npm run replay` can re-deliver
 * already seen events to rebuild the contacts.
 */
export const handler = eventConsumer([
  on(CustomerProfileUpdatedV2, async ({ data, metadata }) => {
    const outcome = await projectSealedContact(data, { contacts: contactBook(), opener: contactOpener() });
    const ids = {
      customerId: data.customerId,
      profileVersion: data.profileVersion,
      eventId: metadata.eventId,
    };
    if (outcome === 'unreadable') {
      // Acknowledged: no retry can open it. The contact keeps its last readable version; the metric's
      // alarm tells someone, since every event failing alike means a wrong key, not a tampered one.
      logger.warn('Sealed contact cannot be opened; contact left unchanged', ids);
      metrics.addMetric('ContactsUnreadable', MetricUnit.Count, 1);
      return;
    }
    logger.info('Contact projected', { ...ids, outcome });
  }),
  on(CustomerProfileUpdatedV1, async ({ data }) => {
    const outcome = await projectContact(data, { contacts: contactBook() });
    logger.info('Contact projected', {
      customerId: data.customerId,
      profileVersion: data.profileVersion,
      outcome,
    });
  }),
]);
