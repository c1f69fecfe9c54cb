/** What a use case asks for the current time, so tests can fix it. */
export interface Clock {
  now(): Date;
}

/** The clock every deployed function uses. */
export const systemClock: Clock = { now: () => new Date() };
