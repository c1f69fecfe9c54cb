import * as z from './zod.js';

/**
 * Field schemas that many contracts share, so that a field means the same thing, and validates the same
 * way, in every event that carries it.
 */

/** An identifier (of an order, a payment, a product, a customer): any non-empty string. */
export const id = z.string().check(z.minLength(1));

/** A point in time: an ISO 8601 date-time with an offset (`2025-01-31T12:00:00.000Z`). */
export const timestamp = z.iso.datetime({ offset: true });

/** An aggregate's version after the change: it increases by one with every change, consumers keep the newest. */
export const aggregateVersion = z.int().check(z.positive());
