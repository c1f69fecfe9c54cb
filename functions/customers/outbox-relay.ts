import { outboxRelayHandler } from '../../shared/outbox/relay.js';

export const handler = outboxRelayHandler();
