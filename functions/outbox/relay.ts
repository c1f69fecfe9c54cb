import { outboxRelayHandler } from '../../shared/outbox/relay.js';

/** Every table's outbox relay but the inventory's (functions/outbox/serverless.yml). */
export const handler = outboxRelayHandler();
