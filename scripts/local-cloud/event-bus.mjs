// Local Amazon EventBridge emulator: an AWS JSON 1.1 endpoint (PutEvents, TestEventPattern) that routes accepted
// events to rule targets (Lambda functions and SQS queues) asynchronously, with retries and dead-letter queues, and
// fires schedule rules (`rate(...)` expressions) at their targets.
//
// As on AWS, a Lambda target is invoked asynchronously: `deliver.lambda` resolves ok once Lambda has the event, and
// what the function then does with it (errors, Lambda's own retries, its on-failure destination) is no longer the
// rule's business. The rule target's retry policy and dead-letter queue only see failures to deliver.
//
// Functions reach it through AWS_ENDPOINT_URL_EVENTBRIDGE. Tests and fault drills use the local-only endpoints
// under /_local/ (recent events, outage switch, health), which are not part of the AWS API.
//
// EventBridge's archive (shared/resources.yml) is not emulated as such: with `archiveFile`, every accepted event is
// appended to that file as one JSON line, the whole event as the archive keeps it, so tests can see what the
// archive would hold (and what a replay would send again).

import { randomUUID } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { matchesEventPattern, validateEventPattern } from './event-pattern.mjs';

/**
 * @typedef {{ id: string, kind: 'lambda', functionKey: string, deadLetterQueueArn?: string, maximumRetryAttempts?: number, input?: unknown }} LambdaTarget
 * @typedef {{ id: string, kind: 'sqs', queueArn: string, messageGroupId?: string, deadLetterQueueArn?: string, maximumRetryAttempts?: number, input?: unknown }} SqsTarget
 * @typedef {LambdaTarget | SqsTarget} RuleTarget
 * A rule has an event pattern, or a schedule expression (`rate(<n> minute(s)|hour(s)|day(s))`); a target's `input`
 * replaces the event with that constant, as a target's Input does on AWS.
 * @typedef {{ name: string, eventBusName: string, eventPattern?: object, scheduleExpression?: string, targets: RuleTarget[] }} EventBusRule
 * @typedef {{ DataType: 'String' | 'Number', StringValue: string }} SqsMessageAttribute
 * @typedef {{ messageGroupId?: string, deduplicationId?: string, messageAttributes?: Record<string, SqsMessageAttribute> }} SqsDeliveryOptions
 * `lambda` is an asynchronous Invoke: ok once Lambda accepted the event, an error only when it could not be delivered.
 * @typedef {{
 *   lambda(functionKey: string, event: object): Promise<{ ok: true } | { ok: false, error: string }>,
 *   sqs(queueArn: string, body: string, opts: SqsDeliveryOptions): Promise<void>,
 * }} Deliver
 * @typedef {(level: 'info' | 'warn' | 'error', message: string) => void} Log
 * @typedef {{
 *   port: number,
 *   host?: string,
 *   region: string,
 *   accountId: string,
 *   rules: EventBusRule[],
 *   deliver: Deliver,
 *   log: Log,
 *   retryBaseDelayMs?: number,
 *   recentLimit?: number,
 *   stopTimeoutMs?: number,
 *   archiveFile?: string,
 *   clearArchiveOnStart?: boolean,
 * }} EventBusOptions
 * @typedef {{
 *   version: '0',
 *   id: string,
 *   'detail-type': string,
 *   source: string,
 *   account: string,
 *   time: string,
 *   region: string,
 *   resources: string[],
 *   detail: Record<string, unknown>,
 * }} BusEvent
 * @typedef {{
 *   endpoint: string,
 *   port: number,
 *   stop(): Promise<void>,
 *   setOutage(enabled: boolean): void,
 *   recentEvents(): BusEvent[],
 * }} EventBus
 */

const MAX_ENTRIES = 10;
const MAX_ENTRIES_BYTES = 256 * 1024;
const MAX_REQUEST_BYTES = 1024 * 1024;
const DEFAULT_BUS = 'default';
const DEFAULT_MAX_RETRY_ATTEMPTS = 3;
const AWS_JSON = 'application/x-amz-json-1.1';

class AwsError extends Error {
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
function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Event bus name from a name or an event-bus ARN; undefined if the ARN is malformed.
 * @param {string} nameOrArn
 */
function busNameOf(nameOrArn) {
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const match = /^arn:aws[a-z-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return match?.[1];
}

/** AWS event time: ISO 8601 in UTC without fractional seconds, e.g. 2024-05-01T12:00:00Z. */
function eventTime(/** @type {Date} */ date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Period of a `rate(<value> <unit>)` schedule expression in ms; undefined for anything else (cron included).
 * @param {string} expression
 */
export function ratePeriodMs(expression) {
  const match = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = /** @type {string} */ (match[2]);
  // AWS wants the singular unit for 1 and the plural otherwise; it accepts nothing else.
  if (value < 1 || (value === 1) !== !unit.endsWith('s')) return undefined;
  const unitMs = unit.startsWith('minute') ? 60_000 : unit.startsWith('hour') ? 3_600_000 : 86_400_000;
  return value * unitMs;
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
 * Starts the local EventBridge emulator.
 * @param {EventBusOptions} options
 * @returns {Promise<EventBus>}
 */
export async function startEventBus(options) {
  const {
    port,
    host = '127.0.0.1',
    region,
    accountId,
    deliver,
    retryBaseDelayMs = 200,
    recentLimit = 1000,
    stopTimeoutMs = 5000,
    archiveFile,
    clearArchiveOnStart = false,
  } = options;
  /** @type {Log} */
  const log =
    options.log ??
    ((level, message) => {
      console[level](message);
    });

  if (!deliver || typeof deliver.lambda !== 'function' || typeof deliver.sqs !== 'function') {
    throw new Error('startEventBus: options.deliver must provide lambda() and sqs() functions');
  }

  const rules = (options.rules ?? []).map((rule) => {
    const busName = busNameOf(rule.eventBusName || DEFAULT_BUS);
    if (!busName) {
      throw new Error(`Event bus rule "${rule.name}": invalid eventBusName "${rule.eventBusName}"`);
    }
    /** @type {number | undefined} */
    let periodMs;
    if (rule.scheduleExpression !== undefined) {
      periodMs = ratePeriodMs(rule.scheduleExpression);
      if (periodMs === undefined) {
        throw new Error(
          `Event bus rule "${rule.name}": schedule expression "${rule.scheduleExpression}" is not supported locally (only rate(...))`,
        );
      }
    } else {
      try {
        validateEventPattern(rule.eventPattern);
      } catch (error) {
        throw new Error(
          `Event bus rule "${rule.name}" (bus "${busName}") has an invalid event pattern: ${/** @type {Error} */ (error).message}`,
        );
      }
    }
    for (const target of /** @type {{ id?: unknown, kind?: unknown }[]} */ (rule.targets ?? [])) {
      if (target.kind !== 'lambda' && target.kind !== 'sqs') {
        throw new Error(
          `Event bus rule "${rule.name}": target "${String(target.id)}" has unsupported kind "${String(target.kind)}"`,
        );
      }
    }
    const arn = `arn:aws:events:${region}:${accountId}:rule/${busName === DEFAULT_BUS ? '' : `${busName}/`}${rule.name}`;
    return { ...rule, busName, arn, periodMs, targets: rule.targets ?? [] };
  });

  if (archiveFile && clearArchiveOnStart) writeFileSync(archiveFile, '');

  let outage = false;
  let aborted = false;
  /** @type {Promise<void> | undefined} */
  let stopPromise;
  /** @type {{ busName: string, event: BusEvent }[]} */
  const recent = [];
  /** @type {Set<Promise<void>>} */
  const inFlight = new Set();
  /** @type {Set<{ timer: NodeJS.Timeout, resolve: () => void }>} */
  const sleepers = new Set();

  /** @param {number} ms */
  function sleep(ms) {
    return new Promise((resolve) => {
      /** @type {{ timer: NodeJS.Timeout, resolve: () => void }} */
      const sleeper = {
        timer: setTimeout(() => {
          sleepers.delete(sleeper);
          resolve(undefined);
        }, ms),
        resolve: () => resolve(undefined),
      };
      sleepers.add(sleeper);
    });
  }

  /** @param {Promise<void>} promise */
  function track(promise) {
    const tracked = promise.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Routing and delivery
  // -------------------------------------------------------------------------------------------------------------

  /**
   * @param {string} busName
   * @param {BusEvent} event
   */
  function route(busName, event) {
    const label = `${event.source}/${event['detail-type']} ${event.id}`;
    const matched = rules.filter((rule) => {
      if (rule.busName !== busName || rule.periodMs !== undefined) return false;
      try {
        return matchesEventPattern(rule.eventPattern, event);
      } catch (error) {
        log('error', `[eventbridge] rule ${rule.name}: ${/** @type {Error} */ (error).message}`);
        return false;
      }
    });
    if (matched.length === 0) {
      log('info', `[eventbridge] ${busName}: ${label} matched no rules`);
      return;
    }
    log('info', `[eventbridge] ${busName}: ${label} -> ${matched.map((rule) => rule.name).join(', ')}`);
    for (const rule of matched) {
      for (const target of rule.targets) {
        track(deliverWithRetry(rule, target, event));
      }
    }
  }

  /**
   * @param {RuleTarget} target
   * @param {BusEvent} event
   * @returns {Promise<{ ok: true } | { ok: false, error: string }>}
   */
  async function attempt(target, event) {
    try {
      const payload = target.input === undefined ? event : target.input;
      if (target.kind === 'lambda') {
        // Each target gets its own copy, as each Lambda invocation deserialises its own payload.
        const result = await deliver.lambda(
          target.functionKey,
          structuredClone(/** @type {object} */ (payload)),
        );
        return result?.ok
          ? { ok: true }
          : { ok: false, error: String(result?.error ?? 'unknown Lambda error') };
      }
      const isFifo = target.queueArn.endsWith('.fifo');
      /** @type {SqsDeliveryOptions} */
      const sqsOptions = {};
      if (target.messageGroupId !== undefined) sqsOptions.messageGroupId = target.messageGroupId;
      if (isFifo || target.messageGroupId !== undefined) sqsOptions.deduplicationId = event.id;
      await deliver.sqs(target.queueArn, JSON.stringify(payload), sqsOptions);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * @param {(typeof rules)[number]} rule
   * @param {RuleTarget} target
   * @param {BusEvent} event
   */
  async function deliverWithRetry(rule, target, event) {
    const where = `rule ${rule.name} target ${target.id} (${target.kind === 'lambda' ? `lambda ${target.functionKey}` : `sqs ${target.queueArn}`})`;
    const maxRetries = Math.max(0, target.maximumRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS);
    let attempts = 0;
    let lastError = '';
    for (;;) {
      attempts++;
      const result = await attempt(target, event);
      if (result.ok) {
        if (attempts > 1)
          log('info', `[eventbridge] ${where}: event ${event.id} delivered on attempt ${attempts}`);
        return;
      }
      lastError = result.error;
      if (attempts > maxRetries || aborted) break;
      const delay = Math.min(retryBaseDelayMs * 2 ** (attempts - 1), 60_000);
      log(
        'warn',
        `[eventbridge] ${where}: delivery of event ${event.id} failed (attempt ${attempts}/${maxRetries + 1}): ${lastError}; retrying in ${delay} ms`,
      );
      await sleep(delay);
      if (aborted) break;
    }

    if (aborted && attempts <= maxRetries) {
      log(
        'warn',
        `[eventbridge] ${where}: event ${event.id} abandoned at shutdown after ${attempts} attempt(s)`,
      );
      return;
    }
    if (target.deadLetterQueueArn) {
      /** @type {Record<string, SqsMessageAttribute>} */
      const messageAttributes = {
        RULE_ARN: { DataType: 'String', StringValue: rule.arn },
        ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
        ERROR_MESSAGE: { DataType: 'String', StringValue: lastError.slice(0, 1024) || 'unknown error' },
        RETRY_ATTEMPTS: { DataType: 'String', StringValue: String(attempts - 1) },
      };
      if (target.kind === 'sqs')
        messageAttributes.TARGET_ARN = { DataType: 'String', StringValue: target.queueArn };
      try {
        await deliver.sqs(target.deadLetterQueueArn, JSON.stringify(event), { messageAttributes });
        log(
          'warn',
          `[eventbridge] ${where}: event ${event.id} failed after ${attempts} attempt(s) (${lastError}); sent to DLQ ${target.deadLetterQueueArn}`,
        );
      } catch (error) {
        log(
          'error',
          `[eventbridge] ${where}: event ${event.id} failed after ${attempts} attempt(s) (${lastError}) and could not be sent to DLQ ${target.deadLetterQueueArn}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    } else {
      log(
        'error',
        `[eventbridge] ${where}: event ${event.id} dropped after ${attempts} attempt(s), no DLQ configured: ${lastError}`,
      );
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // AWS API
  // -------------------------------------------------------------------------------------------------------------

  /**
   * @param {Record<string, unknown>} input
   */
  function putEvents(input) {
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

    if (outage) {
      return {
        FailedEntryCount: entries.length,
        Entries: entries.map(() => ({
          ErrorCode: 'InternalFailure',
          ErrorMessage:
            'The request processing has failed because of an unknown error, exception or failure.',
        })),
      };
    }

    /** @type {{ busName: string, event: BusEvent }[]} */
    const accepted = [];
    const results = entries.map((entry) => {
      const outcome = acceptEntry(entry);
      if ('ErrorCode' in outcome) return outcome;
      accepted.push(outcome);
      return { EventId: outcome.event.id };
    });

    for (const item of accepted) {
      recent.push(item);
    }
    if (archiveFile && accepted.length > 0) {
      appendFileSync(archiveFile, accepted.map(({ event }) => `${JSON.stringify(event)}\n`).join(''));
    }
    if (recent.length > recentLimit) recent.splice(0, recent.length - recentLimit);

    if (accepted.length > 0) {
      // Route after the response is written, as EventBridge does.
      track(
        new Promise((resolve) => {
          setImmediate(() => {
            for (const { busName, event } of accepted) route(busName, event);
            resolve(undefined);
          });
        }),
      );
    }

    return { FailedEntryCount: entries.length - accepted.length, Entries: results };
  }

  /**
   * @param {unknown} entry
   * @returns {{ ErrorCode: string, ErrorMessage: string } | { busName: string, event: BusEvent }}
   */
  function acceptEntry(entry) {
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
   * @param {Record<string, unknown>} input
   */
  function testEventPattern(input) {
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
    let event;
    try {
      event = JSON.parse(/** @type {string} */ (Event));
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
    return { Result: matchesEventPattern(pattern, event) };
  }

  // -------------------------------------------------------------------------------------------------------------
  // HTTP
  // -------------------------------------------------------------------------------------------------------------

  /**
   * @param {import('node:http').ServerResponse} res
   * @param {number} status
   * @param {unknown} body
   * @param {Record<string, string>} [headers]
   */
  function send(res, status, body, headers = {}) {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      ...headers,
    });
    res.end(payload);
  }

  /**
   * @param {import('node:http').ServerResponse} res
   * @param {AwsError} error
   */
  function sendAwsError(res, error) {
    send(
      res,
      error.status,
      { __type: error.type, message: error.message },
      { 'content-type': AWS_JSON, 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': error.type },
    );
  }

  /** @param {import('node:http').IncomingMessage} req */
  async function readBody(req) {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES)
        throw new AwsError(413, 'RequestEntityTooLargeException', 'Request is too large.');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handleAws(req, res) {
    const target = String(req.headers['x-amz-target'] ?? '');
    const raw = await readBody(req);
    /** @type {unknown} */
    let input = {};
    if (raw.trim() !== '') {
      try {
        input = JSON.parse(raw);
      } catch {
        throw new AwsError(400, 'SerializationException', 'Request body is not valid JSON.');
      }
    }
    if (!isPlainObject(input))
      throw new AwsError(400, 'SerializationException', 'Request body must be a JSON object.');
    /** @type {unknown} */
    let output;
    switch (target) {
      case 'AWSEvents.PutEvents':
        output = putEvents(input);
        break;
      case 'AWSEvents.TestEventPattern':
        output = testEventPattern(input);
        break;
      default:
        throw new AwsError(
          400,
          'UnknownOperationException',
          target
            ? `Operation ${target} is not supported by the local EventBridge emulator (supported: AWSEvents.PutEvents, AWSEvents.TestEventPattern).`
            : 'Missing X-Amz-Target header.',
        );
    }
    send(res, 200, output, { 'content-type': AWS_JSON, 'x-amzn-requestid': randomUUID() });
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {URL} url
   */
  async function handleLocal(req, res, url) {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /_local/health':
        send(res, 200, {
          status: 'ok',
          service: 'eventbridge',
          outage,
          rules: rules.length,
          recentEvents: recent.length,
        });
        return;
      case 'GET /_local/events': {
        const detailType = url.searchParams.get('detailType');
        const source = url.searchParams.get('source');
        const correlationId = url.searchParams.get('correlationId');
        const eventBusName = url.searchParams.get('eventBusName');
        const events = recent
          .filter(({ busName, event }) => {
            if (detailType !== null && event['detail-type'] !== detailType) return false;
            if (source !== null && event.source !== source) return false;
            if (eventBusName !== null && busName !== busNameOf(eventBusName)) return false;
            if (correlationId !== null) {
              const metadata = event.detail.metadata;
              if (!isPlainObject(metadata) || metadata.correlationId !== correlationId) return false;
            }
            return true;
          })
          .map(({ event }) => event);
        send(res, 200, events);
        return;
      }
      case 'GET /_local/outage':
        send(res, 200, { enabled: outage });
        return;
      case 'POST /_local/outage': {
        /** @type {unknown} */
        let body;
        try {
          body = JSON.parse(await readBody(req));
        } catch {
          body = undefined;
        }
        if (!isPlainObject(body) || typeof body.enabled !== 'boolean') {
          send(res, 400, { error: 'Expected a JSON body { "enabled": true | false }' });
          return;
        }
        setOutage(body.enabled);
        send(res, 200, { enabled: outage });
        return;
      }
      default:
        send(res, 404, { error: `No local endpoint ${route}` });
    }
  }

  /** @param {boolean} enabled */
  function setOutage(enabled) {
    const next = Boolean(enabled);
    if (next !== outage) {
      log(
        'warn',
        `[eventbridge] outage mode ${next ? 'ON: every PutEvents entry fails with InternalFailure' : 'OFF'}`,
      );
    }
    outage = next;
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = url.pathname.startsWith('/_local/')
      ? handleLocal(req, res, url)
      : req.method === 'POST' && url.pathname === '/'
        ? handleAws(req, res)
        : Promise.reject(
            new AwsError(404, 'UnknownOperationException', `No route for ${req.method} ${url.pathname}`),
          );
    handle.catch((error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof AwsError) {
        sendAwsError(res, error);
        return;
      }
      log(
        'error',
        `[eventbridge] internal error: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
      );
      sendAwsError(
        res,
        new AwsError(500, 'InternalException', 'Internal error in the local EventBridge emulator.'),
      );
    });
  });

  await new Promise((resolve, reject) => {
    const onError = (/** @type {Error} */ error) => {
      reject(new Error(`Local EventBridge could not listen on ${host}:${port}: ${error.message}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(undefined);
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  log('info', `[eventbridge] listening on ${endpoint} (${rules.length} rule(s))`);

  // A schedule rule's first event comes one period after the rule exists, as on AWS.
  const scheduleTimers = rules
    .filter((rule) => rule.periodMs !== undefined)
    .map((rule) => setInterval(() => fireSchedule(rule), rule.periodMs));

  /** @param {(typeof rules)[number]} rule */
  function fireSchedule(rule) {
    /** @type {BusEvent} */
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: accountId,
      time: eventTime(new Date()),
      region,
      resources: [rule.arn],
      detail: {},
    };
    log('info', `[eventbridge] schedule ${rule.name} (${rule.scheduleExpression}): event ${event.id}`);
    for (const target of rule.targets) track(deliverWithRetry(rule, target, event));
  }

  async function stop() {
    for (const timer of scheduleTimers) clearInterval(timer);
    const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
    server.closeIdleConnections();
    // Wait for deliveries (including ones scheduled by routing that is itself in flight), up to the cap.
    const deadline = Date.now() + stopTimeoutMs;
    while (inFlight.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...inFlight]), sleep(Math.max(1, deadline - Date.now()))]);
    }
    if (inFlight.size > 0) {
      log(
        'warn',
        `[eventbridge] stop: abandoning ${inFlight.size} in-flight delivery(ies) after ${stopTimeoutMs} ms`,
      );
    }
    aborted = true;
    for (const sleeper of sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.resolve();
    }
    sleepers.clear();
    server.closeAllConnections();
    await closed;
  }

  return {
    endpoint,
    port: boundPort,
    stop() {
      stopPromise ??= stop();
      return stopPromise;
    },
    setOutage,
    recentEvents: () => recent.map(({ event }) => event),
  };
}
