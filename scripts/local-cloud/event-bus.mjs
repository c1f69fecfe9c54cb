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
//
// This file holds the bus itself (rule registry, routing, schedules, HTTP, the /_local/ endpoints, shutdown);
// event-bus-api.mjs checks PutEvents and TestEventPattern requests as EventBridge does, and
// event-bus-delivery.mjs delivers an event to one target with its retries and dead-letter queue.

import { randomUUID } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import {
  AwsError,
  acceptEntry,
  busNameOf,
  DEFAULT_BUS,
  eventTime,
  isPlainObject,
  putEventsEntries,
  testEventPattern,
} from './event-bus-api.mjs';
import { deliverWithRetry } from './event-bus-delivery.mjs';
import { matchesEventPattern, validateEventPattern } from './event-pattern.mjs';
import { readBodyText } from './http-body.mjs';

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

/**
 * A rule as the bus keeps it: its bus name resolved, its ARN, and for a schedule its period.
 * @typedef {EventBusRule & { busName: string, arn: string, periodMs: number | undefined, targets: RuleTarget[] }} CompiledRule
 * @typedef {import('./event-bus-api.mjs').AcceptedEntry} AcceptedEntry
 * @typedef {import('./event-bus-delivery.mjs').DeliveryContext} DeliveryContext
 * @typedef {ReturnType<typeof createTasks>} Tasks
 * What the parts of a running bus share.
 * @typedef {{
 *   rules: CompiledRule[],
 *   region: string,
 *   accountId: string,
 *   log: Log,
 *   recentLimit: number,
 *   archiveFile: string | undefined,
 *   outage: boolean,
 *   recent: AcceptedEntry[],
 *   tasks: Tasks,
 *   delivery: DeliveryContext,
 * }} BusState
 * @typedef {import('node:http').IncomingMessage} Request
 * @typedef {import('node:http').ServerResponse} Response
 */

const MAX_REQUEST_BYTES = 1024 * 1024;
const AWS_JSON = 'application/x-amz-json-1.1';

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

// -------------------------------------------------------------------------------------------------------------
// Rule registry
// -------------------------------------------------------------------------------------------------------------

/**
 * Checks a rule (its bus, its event pattern or schedule, its targets' kinds) and resolves what routing needs.
 * @param {EventBusRule} rule
 * @param {string} region
 * @param {string} accountId
 * @returns {CompiledRule}
 */
function compileRule(rule, region, accountId) {
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
}

/**
 * Sends an accepted event to every target of every event-pattern rule of its bus that matches it.
 * @param {BusState} bus
 * @param {string} busName
 * @param {BusEvent} event
 */
function route(bus, busName, event) {
  const { log } = bus;
  const label = `${event.source}/${event['detail-type']} ${event.id}`;
  const matched = bus.rules.filter((rule) => {
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
  for (const rule of matched) deliverToTargets(bus, rule, event);
}

/**
 * Starts delivering the event to each target of the rule, in the background (stop() waits for them).
 * @param {BusState} bus
 * @param {CompiledRule} rule
 * @param {BusEvent} event
 */
function deliverToTargets(bus, rule, event) {
  for (const target of rule.targets) bus.tasks.track(deliverWithRetry(bus.delivery, rule, target, event));
}

// -------------------------------------------------------------------------------------------------------------
// Schedules
// -------------------------------------------------------------------------------------------------------------

/**
 * Fires each schedule rule every period; its first event comes one period after the rule exists, as on AWS.
 * @param {BusState} bus
 * @returns {NodeJS.Timeout[]}
 */
function startSchedules(bus) {
  return bus.rules
    .filter((rule) => rule.periodMs !== undefined)
    .map((rule) => setInterval(() => fireSchedule(bus, rule), rule.periodMs));
}

/**
 * @param {BusState} bus
 * @param {CompiledRule} rule
 */
function fireSchedule(bus, rule) {
  /** @type {BusEvent} */
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: bus.accountId,
    time: eventTime(new Date()),
    region: bus.region,
    resources: [rule.arn],
    detail: {},
  };
  bus.log('info', `[eventbridge] schedule ${rule.name} (${rule.scheduleExpression}): event ${event.id}`);
  deliverToTargets(bus, rule, event);
}

// -------------------------------------------------------------------------------------------------------------
// AWS API
// -------------------------------------------------------------------------------------------------------------

/**
 * PutEvents: accepts the valid entries (all fail with InternalFailure during an outage), keeps them (recent
 * events, archive) and routes them once the response is written, as EventBridge does.
 * @param {BusState} bus
 * @param {Record<string, unknown>} input
 */
function putEvents(bus, input) {
  const entries = putEventsEntries(input);
  if (bus.outage) {
    return {
      FailedEntryCount: entries.length,
      Entries: entries.map(() => ({
        ErrorCode: 'InternalFailure',
        ErrorMessage: 'The request processing has failed because of an unknown error, exception or failure.',
      })),
    };
  }

  /** @type {AcceptedEntry[]} */
  const accepted = [];
  const results = entries.map((entry) => {
    const outcome = acceptEntry(entry, bus);
    if ('ErrorCode' in outcome) return outcome;
    accepted.push(outcome);
    return { EventId: outcome.event.id };
  });
  keep(bus, accepted);
  if (accepted.length > 0) {
    // Route after the response is written, as EventBridge does.
    bus.tasks.track(
      new Promise((resolve) => {
        setImmediate(() => {
          for (const { busName, event } of accepted) route(bus, busName, event);
          resolve(undefined);
        });
      }),
    );
  }
  return { FailedEntryCount: entries.length - accepted.length, Entries: results };
}

/**
 * Adds accepted events to the recent ones (the newest `recentLimit`) and to the archive file.
 * @param {BusState} bus
 * @param {AcceptedEntry[]} accepted
 */
function keep(bus, accepted) {
  const { recent, archiveFile } = bus;
  for (const item of accepted) recent.push(item);
  if (archiveFile && accepted.length > 0) {
    appendFileSync(archiveFile, accepted.map(({ event }) => `${JSON.stringify(event)}\n`).join(''));
  }
  if (recent.length > bus.recentLimit) recent.splice(0, recent.length - bus.recentLimit);
}

/**
 * The AWS JSON 1.1 endpoint: the operation named by X-Amz-Target, on the JSON body.
 * @param {BusState} bus
 * @param {Request} req
 * @param {Response} res
 */
async function handleAws(bus, req, res) {
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
      output = putEvents(bus, input);
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

// -------------------------------------------------------------------------------------------------------------
// Local-only endpoints (/_local/): health, recent events, outage switch
// -------------------------------------------------------------------------------------------------------------

/**
 * @param {BusState} bus
 * @param {Request} req
 * @param {Response} res
 * @param {URL} url
 */
async function handleLocal(bus, req, res, url) {
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /_local/health':
      send(res, 200, {
        status: 'ok',
        service: 'eventbridge',
        outage: bus.outage,
        rules: bus.rules.length,
        recentEvents: bus.recent.length,
      });
      return;
    case 'GET /_local/events':
      send(res, 200, recentEventsMatching(bus, url.searchParams));
      return;
    case 'GET /_local/outage':
      send(res, 200, { enabled: bus.outage });
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
      setOutage(bus, body.enabled);
      send(res, 200, { enabled: bus.outage });
      return;
    }
    default:
      send(res, 404, { error: `No local endpoint ${route}` });
  }
}

/**
 * The recent events that match the query's `detailType`, `source`, `eventBusName` and `correlationId`
 * (detail.metadata.correlationId), oldest first.
 * @param {BusState} bus
 * @param {URLSearchParams} query
 */
function recentEventsMatching(bus, query) {
  const detailType = query.get('detailType');
  const source = query.get('source');
  const correlationId = query.get('correlationId');
  const eventBusName = query.get('eventBusName');
  return bus.recent
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
}

/**
 * @param {BusState} bus
 * @param {boolean} enabled
 */
function setOutage(bus, enabled) {
  const next = Boolean(enabled);
  if (next !== bus.outage) {
    bus.log(
      'warn',
      `[eventbridge] outage mode ${next ? 'ON: every PutEvents entry fails with InternalFailure' : 'OFF'}`,
    );
  }
  bus.outage = next;
}

// -------------------------------------------------------------------------------------------------------------
// HTTP
// -------------------------------------------------------------------------------------------------------------

/**
 * @param {Response} res
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
 * @param {Response} res
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

/** @param {Request} req */
function readBody(req) {
  return readBodyText(
    req,
    MAX_REQUEST_BYTES,
    () => new AwsError(413, 'RequestEntityTooLargeException', 'Request is too large.'),
  );
}

/**
 * Routes a request: /_local/ paths, the AWS API on `POST /`; an error is answered in the AWS JSON shape.
 * @param {BusState} bus
 * @returns {(req: Request, res: Response) => void}
 */
function requestHandler(bus) {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = url.pathname.startsWith('/_local/')
      ? handleLocal(bus, req, res, url)
      : req.method === 'POST' && url.pathname === '/'
        ? handleAws(bus, req, res)
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
      bus.log(
        'error',
        `[eventbridge] internal error: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
      );
      sendAwsError(
        res,
        new AwsError(500, 'InternalException', 'Internal error in the local EventBridge emulator.'),
      );
    });
  };
}

/**
 * @param {import('node:http').Server} server
 * @param {string} host
 * @param {number} port 0 = any free port
 * @returns {Promise<{ endpoint: string, port: number }>}
 */
async function listen(server, host, port) {
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
  return { endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`, port: boundPort };
}

// -------------------------------------------------------------------------------------------------------------
// Background work and shutdown
// -------------------------------------------------------------------------------------------------------------

/**
 * The bus's background work (routing, deliveries and their retries), so that stop() can wait for it, cut its
 * back-off sleeps short and tell the retry loops to give up.
 */
function createTasks() {
  /** @type {Set<Promise<void>>} */
  const inFlight = new Set();
  /** @type {Set<{ timer: NodeJS.Timeout, resolve: () => void }>} */
  const sleepers = new Set();
  let aborted = false;

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

  return {
    sleep,
    get aborted() {
      return aborted;
    },
    /** @param {Promise<void>} promise */
    track(promise) {
      const tracked = promise.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    },
    /**
     * Waits for the work in flight (including work it starts meanwhile) for at most `timeoutMs`.
     * @param {number} timeoutMs
     * @returns {Promise<number>} how much is still in flight
     */
    async settle(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (inFlight.size > 0 && Date.now() < deadline) {
        await Promise.race([Promise.allSettled([...inFlight]), sleep(Math.max(1, deadline - Date.now()))]);
      }
      return inFlight.size;
    },
    /** Retry loops give up from now on; their sleeps end at once. */
    abort() {
      aborted = true;
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.resolve();
      }
      sleepers.clear();
    },
  };
}

/**
 * Stops the schedules and the server, waits up to `stopTimeoutMs` for deliveries in flight, then abandons the
 * rest (logged).
 * @param {BusState} bus
 * @param {import('node:http').Server} server
 * @param {NodeJS.Timeout[]} scheduleTimers
 * @param {number} stopTimeoutMs
 */
async function stopBus(bus, server, scheduleTimers, stopTimeoutMs) {
  for (const timer of scheduleTimers) clearInterval(timer);
  const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
  server.closeIdleConnections();
  // Wait for deliveries (including ones scheduled by routing that is itself in flight), up to the cap.
  const left = await bus.tasks.settle(stopTimeoutMs);
  if (left > 0) {
    bus.log(
      'warn',
      `[eventbridge] stop: abandoning ${left} in-flight delivery(ies) after ${stopTimeoutMs} ms`,
    );
  }
  bus.tasks.abort();
  server.closeAllConnections();
  await closed;
}

// -------------------------------------------------------------------------------------------------------------
// Start
// -------------------------------------------------------------------------------------------------------------

/**
 * Starts the local EventBridge emulator.
 * @param {EventBusOptions} options
 * @returns {Promise<EventBus>}
 */
export async function startEventBus(options) {
  const { port, host = '127.0.0.1', region, accountId, deliver, archiveFile } = options;
  const {
    retryBaseDelayMs = 200,
    recentLimit = 1000,
    stopTimeoutMs = 5000,
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
  const rules = (options.rules ?? []).map((rule) => compileRule(rule, region, accountId));
  if (archiveFile && clearArchiveOnStart) writeFileSync(archiveFile, '');

  const tasks = createTasks();
  /** @type {BusState} */
  const bus = {
    rules,
    region,
    accountId,
    log,
    recentLimit,
    archiveFile,
    outage: false,
    recent: [],
    tasks,
    delivery: {
      deliver,
      log,
      retryBaseDelayMs,
      sleep: tasks.sleep,
      get aborted() {
        return tasks.aborted;
      },
    },
  };
  const server = createServer(requestHandler(bus));
  const { endpoint, port: boundPort } = await listen(server, host, port);
  log('info', `[eventbridge] listening on ${endpoint} (${rules.length} rule(s))`);
  const scheduleTimers = startSchedules(bus);

  /** @type {Promise<void> | undefined} */
  let stopPromise;
  return {
    endpoint,
    port: boundPort,
    stop() {
      stopPromise ??= stopBus(bus, server, scheduleTimers, stopTimeoutMs);
      return stopPromise;
    },
    setOutage: (enabled) => setOutage(bus, enabled),
    recentEvents: () => bus.recent.map(({ event }) => event),
  };
}
