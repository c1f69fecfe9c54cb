import type { EventContract, EventEnvelope } from '../../events/envelope.js';
import * as z from '../../events/zod.js';
import { logger } from '../observability.js';

/** The EventBridge event around our envelope, as Lambda and SQS targets receive it. */
export const busEventSchema = z.looseObject({
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.optional(z.string()),
  detail: z.looseObject({ metadata: z.looseObject({ eventId: z.string(), eventVersion: z.number() }) }),
});
export type BusEvent = z.infer<typeof busEventSchema>;

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed per contract by `on`
type AnyContract = EventContract<string, any>;

export interface EventHandler<Data> {
  contract: EventContract<string, Data>;
  handle: (event: EventEnvelope<Data>) => Promise<void>;
}

/** Pairs a contract with what to do on it, keeping the envelope's data type. */
export function on<Data>(
  contract: EventContract<string, Data>,
  handle: (event: EventEnvelope<Data>) => Promise<void>,
): EventHandler<Data> {
  return { contract, handle };
}

// biome-ignore lint/suspicious/noExplicitAny: see AnyContract
export type EventHandlers = ReadonlyArray<EventHandler<any>>;

/**
 * Finds the handler for a bus event by detail-type and version and validates the envelope against the
 * contract. Returns undefined for events this consumer does not handle (a rule may match more).
 */
export function routeBusEvent(
  raw: unknown,
  handlers: EventHandlers,
): { run: () => Promise<void>; eventId: string; correlationId: string; type: string } | undefined {
  const event = busEventSchema.parse(raw);
  const version = event.detail.metadata.eventVersion;
  const handler = handlers.find(
    (candidate) => candidate.contract.type === event['detail-type'] && candidate.contract.version === version,
  );
  if (!handler) return undefined;
  const contract: AnyContract = handler.contract;
  const envelope = contract.envelopeSchema.parse(event.detail);
  return {
    run: () => handler.handle(envelope),
    eventId: envelope.metadata.eventId,
    correlationId: envelope.metadata.correlationId,
    type: event['detail-type'],
  };
}

/**
 * What a queue consumer of bus events does with each event: routes it to its handler and runs it. An
 * event no handler takes is logged by type and id only (the payload may hold personal data) and acked.
 */
export function handleBusEventWith(handlers: EventHandlers) {
  return async (event: BusEvent): Promise<void> => {
    const routed = routeBusEvent(event, handlers);
    if (!routed) {
      logger.warn('Ignoring an event this consumer has no handler for', {
        detailType: event['detail-type'],
        id: event.id,
      });
      return;
    }
    await routed.run();
  };
}
