// The AWS side of the local EventBridge emulator (event-bus.mjs): checking a PutEvents request and turning its
// entries into bus events as EventBridge does (its limits, error codes and messages), and TestEventPattern.
// Nothing here holds state: the bus decides what to do with the accepted events.

import { randomUUID } from 'node:crypto';
import { matchesEventPattern, validateEventPattern } from './event-pattern.mjs';

/** @typedef {import('./event-bus.mjs').BusEvent} BusEvent */
/** @typedef {{ ErrorCode: string, ErrorMessage: string }} FailedEntry */
/** @typedef {{ busName: string, event: BusEvent }} AcceptedEntry */

const MAX_ENTRIES = 10;
const MAX_ENTRIES_BYTES = 256 * 1024;
export const DEFAULT_BUS = 'default';

/** An error answered the way the AWS JSON 1.1 protocol does (`__type`, `x-amzn-errortype`). */
export class AwsError extends Error {
  /**
   * @param {number} status
   * @param {string} type
   * @param {string} message
   */
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
export function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Event bus name from a name or an event-bus ARN; undefined if the ARN is malformed.
 * @param {string} nameOrArn
 */
export function busNameOf(nameOrArn) {
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const match = /^arn:aws[a-z-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return match?.[1];
}

/** AWS event time: ISO 8601 in UTC without fractional seconds, e.g. 2024-05-01T12:00:00Z. */
export function eventTime(/** @type {Date} */ date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Entry size as EventBridge computes it (Time counts 14 bytes; Source, DetailType, Detail and Resources their
 * UTF-8 bytes).
 * @param {unknown} entry
 */
function entrySize(entry) {
  if (!isPlainObject(entry)) return 0;
  let size = entry.Time === undefined || entry.Time === null ? 0 : 14;
  for (const field of ['Source', 'DetailType', 'Detail']) {
    const value = entry[field];
    if (typeof value === 'string') size += Buffer.byteLength(value, 'utf8');
  }
  if (Array.isArray(entry.Resources)) {
    for (const resource of entry.Resources) {
      if (typeof resource === 'string') size += Buffer.byteLength(resource, 'utf8');
    }
  }
  return size;
}

/**
 * Parses an entry's Time: the SDK sends epoch seconds (AWS JSON 1.1 timestamps); strings are accepted too.
 * @param {unknown} time
 * @returns {Date | undefined}
 */
function parseTime(time) {
  if (time === undefined || time === null) return new Date();
  let date;
  if (typeof time === 'number') date = new Date(time * 1000);
  else if (typeof time === 'string')
    date = /^\d+(\.\d+)?$/.test(time) ? new Date(Number(time) * 1000) : new Date(time);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/**
 * The entries of a PutEvents request, once the request as a whole is valid (1-10 entries, 256 KB in all);
 * throws the ValidationException EventBridge answers otherwise.
 * @param {Record<string, unknown>} input
 * @returns {unknown[]}
 */
export function putEventsEntries(input) {
  const entries = input.Entries;
  if (!Array.isArray(entries)) {
    throw new AwsError(
      400,
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw new AwsError(
      400,
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`} (got ${entries.length})`,
    );
  }
  const totalSize = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (totalSize > MAX_ENTRIES_BYTES) {
    throw new AwsError(
      400,
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }
  return entries;
}

/**
 * One PutEvents entry, either refused (its ErrorCode and ErrorMessage, as EventBridge answers per entry) or
 * accepted as the event the bus routes.
 * @param {unknown} entry
 * @param {{ region: string, accountId: string }} where
 * @returns {FailedEntry | AcceptedEntry}
 */
export function acceptEntry(entry, { region, accountId }) {
  /** @param {string} code @param {string} message */
  const fail = (code, message) => ({ ErrorCode: code, ErrorMessage: message });
  /** @param {string} name */
  const required = (name) =>
    fail('InvalidArgument', `Parameter ${name} is not valid. Reason: ${name} is a required argument.`);
  if (!isPlainObject(entry)) return fail('InvalidArgument', 'Entry is not valid.');

  const { Source, DetailType, Detail, Resources, Time, EventBusName } = entry;
  if (typeof Source !== 'string' || Source === '') return required('Source');
  if (typeof DetailType !== 'string' || DetailType === '') return required('DetailType');
  if (typeof Detail !== 'string' || Detail === '') return required('Detail');
  if (Source.startsWith('aws.'))
    return fail('NotAuthorizedForSourceException', 'Not authorized for the source.');

  let detail;
  try {
    detail = JSON.parse(Detail);
  } catch {
    return fail('MalformedDetail', 'Detail is malformed.');
  }
  if (!isPlainObject(detail)) return fail('MalformedDetail', 'Detail is malformed.');

  if (
    Resources !== undefined &&
    (!Array.isArray(Resources) || !Resources.every((r) => typeof r === 'string'))
  ) {
    return fail(
      'InvalidArgument',
      'Parameter Resources is not valid. Reason: Resources must be a list of strings.',
    );
  }
  const time = parseTime(Time);
  if (!time) return fail('InvalidArgument', 'Parameter Time is not valid.');

  let busName = DEFAULT_BUS;
  if (EventBusName !== undefined && EventBusName !== null && EventBusName !== '') {
    const parsed = typeof EventBusName === 'string' ? busNameOf(EventBusName) : undefined;
    if (!parsed)
      return fail('InvalidArgument', `Parameter EventBusName is not valid: ${String(EventBusName)}`);
    busName = parsed;
  }

  /** @type {BusEvent} */
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': DetailType,
    source: Source,
    account: accountId,
    time: eventTime(time),
    region,
    resources: /** @type {string[]} */ (Resources ?? []),
    detail,
  };
  return { busName, event };
}

/**
 * TestEventPattern: whether the event matches the pattern, or the error EventBridge answers.
 * @param {Record<string, unknown>} input
 */
export function testEventPattern(input) {
  const { EventPattern, Event } = input;
  for (const [name, value] of [
    ['eventPattern', EventPattern],
    ['event', Event],
  ]) {
    if (typeof value !== 'string') {
      throw new AwsError(
        400,
        'ValidationException',
        `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
      );
    }
  }
  let pattern;
  try {
    pattern = JSON.parse(/** @type {string} */ (EventPattern));
    validateEventPattern(pattern);
  } catch (error) {
    throw new AwsError(
      400,
      'InvalidEventPatternException',
      `Event pattern is not valid. Reason: ${/** @type {Error} */ (error).message}`,
    );
  }
  const event = testEventOf(/** @type {string} */ (Event));
  return { Result: matchesEventPattern(pattern, event) };
}

/**
 * TestEventPattern's event: JSON with every field EventBridge requires.
 * @param {string} text
 * @returns {unknown}
 */
function testEventOf(text) {
  let event;
  try {
    event = JSON.parse(text);
  } catch {
    throw new AwsError(
      400,
      'InvalidEventPatternException',
      'Parameter Event is not valid. Reason: Event is not valid JSON.',
    );
  }
  const mandatory = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'];
  const missing = isPlainObject(event) ? mandatory.filter((field) => !(field in event)) : mandatory;
  if (missing.length > 0) {
    throw new AwsError(
      400,
      'InvalidEventPatternException',
      `Parameter Event is not valid. Reason: missing mandatory field(s): ${missing.join(', ')}`,
    );
  }
  return event;
}
