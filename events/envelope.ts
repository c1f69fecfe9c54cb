import * as z from './zod.js';

/** The metadata every event on the bus carries (docs/architecture.md, "Events"). */
export const eventMetadataSchema = z.looseObject({
  eventId: z.string().check(z.minLength(1)),
  eventType: z.string().check(z.minLength(1)),
  eventVersion: z.int().check(z.positive()),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().check(z.minLength(1)),
  causationId: z.string().check(z.minLength(1)),
  producer: z.string().check(z.minLength(1)),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;

/**
 * A versioned event contract: the detail-type, its version, the producing domain and the schema of `data`.
 * Consumers accept unknown fields (loose objects), so adding an optional field is not a breaking change.
 */
export interface EventContract<Type extends string, Data> {
  readonly type: Type;
  readonly version: number;
  readonly producer: string;
  readonly dataSchema: z.ZodMiniType<Data>;
  readonly envelopeSchema: z.ZodMiniType<EventEnvelope<Data>>;
}

export interface EventEnvelope<Data = unknown> {
  metadata: EventMetadata;
  data: Data;
}

export function defineEvent<Type extends string, Data>(definition: {
  type: Type;
  version: number;
  producer: string;
  data: z.ZodMiniType<Data>;
}): EventContract<Type, Data> {
  let envelopeSchema: z.ZodMiniType<EventEnvelope<Data>> | undefined;
  return {
    type: definition.type,
    version: definition.version,
    producer: definition.producer,
    dataSchema: definition.data,
    // Built on first use: a function loads every contract of the events it may see, but a cold start
    // should pay only for the envelopes it validates (decisions.md, "Lean bundles").
    get envelopeSchema() {
      envelopeSchema ??= z.object({
        metadata: z.extend(eventMetadataSchema, {
          eventType: z.literal(definition.type),
          eventVersion: z.literal(definition.version),
        }),
        data: definition.data,
      }) as unknown as z.ZodMiniType<EventEnvelope<Data>>;
      return envelopeSchema;
    },
  };
}

/**
 * The contracts one domain publishes: `const paymentsEvent = eventsOf(PAYMENTS_PRODUCER)`, then
 * `paymentsEvent('PaymentCaptured', 1, { ...fields })`. The data is a loose object of those fields, as every
 * contract's is: consumers accept unknown fields.
 */
export function eventsOf(producer: string) {
  return <Type extends string, Fields extends z.core.$ZodLooseShape>(
    type: Type,
    version: number,
    fields: Fields,
  ) => defineEvent({ type, version, producer, data: z.looseObject(fields) });
}

/** Where an event comes from: the request or event that caused it. */
export interface CausalContext {
  correlationId: string;
  causationId: string;
}

/** The causal context of an event caused by `event`: the same correlation id, caused by its id. */
export function causedBy(event: EventEnvelope): CausalContext {
  return { correlationId: event.metadata.correlationId, causationId: event.metadata.eventId };
}

export function createEnvelope<Type extends string, Data>(
  contract: EventContract<Type, Data>,
  data: Data,
  cause: CausalContext,
  options: { eventId?: string; now?: Date } = {},
): EventEnvelope<Data> {
  return {
    metadata: {
      eventId: options.eventId ?? crypto.randomUUID(),
      eventType: contract.type,
      eventVersion: contract.version,
      occurredAt: (options.now ?? new Date()).toISOString(),
      correlationId: cause.correlationId,
      causationId: cause.causationId,
      producer: contract.producer,
    },
    data,
  };
}
