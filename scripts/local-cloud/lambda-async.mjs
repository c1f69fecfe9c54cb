// Emulates Lambda's asynchronous invocation (InvocationType Event), the way rules and schedules invoke functions.
//
// On AWS the caller's Invoke only puts the event on the function's internal queue and almost always succeeds. A
// function error is then Lambda's business: it retries the event MaximumRetryAttempts times (0-2, default 2),
// about 1 minute and then 2 minutes apart, drops it once it is older than MaximumEventAgeInSeconds (60-21600,
// default 6 h), and finally sends an invocation record to the function's on-failure destination, or discards the
// event with only a log line when there is none. The caller (the rule target) never hears about the function's
// error; its own retries and dead-letter queue only see failures to deliver.
//
// Here an event is handed to serverless-offline synchronously, so the first attempt's outcome is known at once: a
// delivery failure is returned to the caller (its retry policy applies, as for a throttled Invoke on AWS); a
// function error makes this queue own the event. Retries run in this process; events still waiting when it stops
// are lost, where AWS would keep them for up to MaximumEventAgeInSeconds.
// Plain ESM with JSDoc types: the Serverless CLI loads this file without a TypeScript compiler.

import { randomUUID } from 'node:crypto';
import { errorPayloadOf, isFunctionError } from './lambda-invoke.mjs';

/** @typedef {import('./lambda-invoke.mjs').AnyInvokeResult} AnyInvokeResult */
/** @typedef {import('./lambda-invoke.mjs').LambdaErrorPayload} LambdaErrorPayload */
/** @typedef {(level: 'info' | 'warn' | 'error', message: string) => void} Log */
/**
 * A function's asynchronous invocation settings (serverless.yml `maximumRetryAttempts`, `maximumEventAge`,
 * `destinations.onFailure`, resolved).
 * @typedef {object} AsyncFunctionConfig
 * @property {string} functionArn unqualified ARN of the deployed function
 * @property {number} timeoutSeconds the function's timeout
 * @property {number} [maximumRetryAttempts] 0-2, default 2
 * @property {number} [maximumEventAgeSeconds] 60-21600, default 21600
 * @property {string} [onFailureArn] where the invocation record goes; none = the event is dropped with a log line
 */
/**
 * Lambda's record of an asynchronous invocation, as an on-failure destination receives it.
 * @typedef {object} AsyncInvocationRecord
 * @property {'1.0'} version
 * @property {string} timestamp
 * @property {{ requestId: string, functionArn: string, condition: 'RetriesExhausted' | 'EventAgeExceeded', approximateInvokeCount: number }} requestContext
 * @property {unknown} requestPayload the original event
 * @property {{ statusCode: number, executedVersion: string, functionError: 'Unhandled' }} responseContext
 * @property {LambdaErrorPayload} responsePayload
 */

/** AWS's defaults. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;
/** About when AWS retries: ~1 minute after the first failure, ~2 minutes after the second. */
export const AWS_RETRY_DELAYS_SECONDS = [60, 120];
/**
 * How long a function's event waits before retry 1, 2: the spacing asked for (the last value repeats), but never
 * less than the function's timeout plus a second.
 *
 * A timed-out attempt leaves its Powertools idempotency record INPROGRESS until the handler's own deadline, its
 * start plus the timeout; the handler started after the attempt did (module load), so the lock can outlive the
 * moment serverless-offline gave up on the attempt ("[504] - Lambda timeout.") by up to the timeout. A retry in
 * that window fails on the lock (IdempotencyAlreadyInProgressError) and wastes one of the two retries. AWS's
 * ~1 and ~2 minute spacing clears any timeout under a minute; a stage that shortens the spacing must not go below.
 * @param {Pick<AsyncFunctionConfig, 'timeoutSeconds' | 'maximumRetryAttempts'>} config
 * @param {number[]} spacingSeconds
 * @returns {number[]} one delay per retry
 */
export function retryDelaysOf(config, spacingSeconds) {
  const retries = clamp(config.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS, 0, 2);
  const floor = config.timeoutSeconds + 1;
  return Array.from({ length: retries }, (_, index) =>
    Math.max(spacingSeconds[Math.min(index, spacingSeconds.length - 1)] ?? 0, floor),
  );
}

/** A delivery failure during the retries (endpoint restarting) is tried again this often, until the event expires. */
const REDELIVERY_DELAY_SECONDS = 5;

/**
 * The options of createAsyncInvoker.
 * @typedef {object} AsyncInvokerOptions
 * @property {(functionKey: string, event: unknown) => Promise<AnyInvokeResult>} invoke one synchronous attempt
 * @property {(functionKey: string) => AsyncFunctionConfig | undefined} configOf undefined = no such function
 * @property {(destinationArn: string, record: AsyncInvocationRecord) => Promise<void>} sendToDestination
 * @property {Log} log
 * @property {number[]} [retryDelaysSeconds] spacing of the retries, default AWS's [60, 120]; see retryDelaysOf
 * @property {() => number} [now] clock in ms, for event ages
 */
/**
 * The invoker's settings (defaults applied) and state: the events waiting for a retry, and the retry loops it
 * owns.
 * @typedef {Required<AsyncInvokerOptions> & {
 *   stopped: boolean,
 *   waiting: Map<string, { timer: NodeJS.Timeout, resolve: () => void }>,
 *   owned: Set<Promise<void>>,
 * }} AsyncInvoker
 */
/**
 * One event that Lambda owns after its first attempt failed with a function error.
 * @typedef {object} OwnedEvent
 * @property {string} functionKey
 * @property {AsyncFunctionConfig} config
 * @property {unknown} event
 * @property {string} requestId
 * @property {string} label for log lines
 */

/**
 * @param {AsyncInvokerOptions} options
 */
export function createAsyncInvoker({
  retryDelaysSeconds = AWS_RETRY_DELAYS_SECONDS,
  now = Date.now,
  ...rest
}) {
  /** @type {AsyncInvoker} */
  const invoker = { ...rest, retryDelaysSeconds, now, stopped: false, waiting: new Map(), owned: new Set() };
  return {
    /**
     * Invoke with InvocationType Event. Resolves once the event is delivered: `ok` when the handler ran (whatever
     * its outcome: a function error is retried here, in the background), a delivery failure otherwise.
     * @param {string} functionKey
     * @param {unknown} event
     * @returns {Promise<{ ok: true } | { ok: false, error: string }>}
     */
    invokeAsync: (functionKey, event) => invokeAsync(invoker, functionKey, event),
    /** Events waiting for a retry when this is called are abandoned (logged). */
    stop: () => stop(invoker),
  };
}

/**
 * @param {AsyncInvoker} invoker
 * @param {string} functionKey
 * @param {unknown} event
 * @returns {Promise<{ ok: true } | { ok: false, error: string }>}
 */
async function invokeAsync(invoker, functionKey, event) {
  const config = invoker.configOf(functionKey);
  if (!config) return { ok: false, error: `Function not found: ${functionKey}` };
  if (invoker.stopped) return { ok: false, error: 'the local Lambda service is stopping' };
  const acceptedAt = invoker.now();
  const result = await attempt(invoker, functionKey, event);
  if (result.ok) return { ok: true };
  if (!isFunctionError(result)) return { ok: false, error: result.error };
  const task = retry(invoker, functionKey, config, event, result, acceptedAt).catch((error) => {
    invoker.log('error', `[lambda async ${functionKey}] retry loop failed: ${error}`);
  });
  invoker.owned.add(task);
  void task.finally(() => invoker.owned.delete(task));
  return { ok: true };
}

/** @param {AsyncInvoker} invoker */
async function stop(invoker) {
  invoker.stopped = true;
  for (const { timer, resolve } of invoker.waiting.values()) {
    clearTimeout(timer);
    resolve();
  }
  invoker.waiting.clear();
  await Promise.allSettled([...invoker.owned]);
}

/**
 * A wait that stop() cuts short.
 * @param {AsyncInvoker} invoker
 * @param {string} requestId
 * @param {number} ms
 */
function sleep(invoker, requestId, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      invoker.waiting.delete(requestId);
      resolve(undefined);
    }, ms);
    invoker.waiting.set(requestId, { timer, resolve: () => resolve(undefined) });
  });
}

/**
 * @param {AsyncInvoker} invoker
 * @param {string} functionKey
 * @param {unknown} event
 * @returns {Promise<AnyInvokeResult>}
 */
async function attempt(invoker, functionKey, event) {
  try {
    return await invoker.invoke(functionKey, structuredClone(event));
  } catch (error) {
    return { ok: false, kind: 'delivery', error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The event is Lambda's now: retry it per the function's settings, then record or drop it.
 * @param {AsyncInvoker} invoker
 * @param {string} functionKey
 * @param {AsyncFunctionConfig} config
 * @param {unknown} event
 * @param {AnyInvokeResult} firstResult
 * @param {number} acceptedAt
 */
async function retry(invoker, functionKey, config, event, firstResult, acceptedAt) {
  const requestId = randomUUID();
  /** @type {OwnedEvent} */
  const owned = {
    functionKey,
    config,
    event,
    requestId,
    label: `[lambda async ${functionKey}] event ${eventLabel(event)} (request ${requestId})`,
  };
  const outcome = await retryUntilDone(invoker, owned, firstResult, acceptedAt);
  if (outcome.failed) await recordFailure(invoker, owned, outcome);
}

/**
 * Retries the event, spaced per retryDelaysOf, until it succeeds, its retries are used up or it is too old. A
 * delivery failure uses up no retry: it is tried again every REDELIVERY_DELAY_SECONDS.
 * @param {AsyncInvoker} invoker
 * @param {OwnedEvent} owned
 * @param {AnyInvokeResult} firstResult
 * @param {number} acceptedAt
 * @returns {Promise<{ failed: false } | { failed: true, invokeCount: number, last: AnyInvokeResult, condition: AsyncInvocationRecord['requestContext']['condition'] }>}
 */
async function retryUntilDone(invoker, owned, firstResult, acceptedAt) {
  const { config, label } = owned;
  const { log } = invoker;
  const delays = retryDelaysOf(config, invoker.retryDelaysSeconds);
  const maxRetries = delays.length;
  const maxAgeMs = (config.maximumEventAgeSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS) * 1000;
  let invokeCount = 1;
  let retriesDone = 0;
  let last = firstResult;
  let undelivered = false;
  while (retriesDone < maxRetries) {
    const delaySeconds = undelivered ? REDELIVERY_DELAY_SECONDS : (delays[retriesDone] ?? 0);
    if (!undelivered) {
      log(
        'warn',
        `${label} failed (attempt ${invokeCount}): ${errorPayloadOf(last).errorMessage}; ` +
          `Lambda retries it in ${delaySeconds} s (retry ${retriesDone + 1} of ${maxRetries}).`,
      );
    }
    await sleep(invoker, owned.requestId, delaySeconds * 1000);
    if (invoker.stopped) {
      log('warn', `${label} abandoned at shutdown while waiting for a retry; AWS would have kept it.`);
      return { failed: false };
    }
    if (invoker.now() - acceptedAt > maxAgeMs)
      return { failed: true, invokeCount, last, condition: 'EventAgeExceeded' };
    const result = await attempt(invoker, owned.functionKey, owned.event);
    if (result.ok) {
      log('info', `${label} succeeded on attempt ${invokeCount + 1}.`);
      return { failed: false };
    }
    undelivered = !isFunctionError(result);
    if (undelivered) {
      // Throttles and unreachable endpoints do not use up the function's retries on AWS either.
      log('warn', `${label} could not be delivered for a retry (${result.error}); trying again.`);
    } else {
      invokeCount++;
      retriesDone++;
      last = result;
    }
  }
  return { failed: true, invokeCount, last, condition: 'RetriesExhausted' };
}

/**
 * Sends the invocation record of an event that failed for good to the function's on-failure destination, or
 * drops the event with an error line when it has none.
 * @param {AsyncInvoker} invoker
 * @param {OwnedEvent} owned
 * @param {{ invokeCount: number, last: AnyInvokeResult, condition: AsyncInvocationRecord['requestContext']['condition'] }} failure
 */
async function recordFailure({ log, now, sendToDestination }, owned, { invokeCount, last, condition }) {
  const { config, label } = owned;
  const responsePayload = errorPayloadOf(last);
  if (!config.onFailureArn) {
    log(
      'error',
      `${label} dropped after ${invokeCount} attempt(s) (${condition}): ${responsePayload.errorMessage}. ` +
        'The function has no on-failure destination.',
    );
    return;
  }
  /** @type {AsyncInvocationRecord} */
  const record = {
    version: '1.0',
    timestamp: new Date(now()).toISOString(),
    requestContext: {
      requestId: owned.requestId,
      functionArn: `${config.functionArn}:$LATEST`,
      condition,
      approximateInvokeCount: invokeCount,
    },
    requestPayload: owned.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload,
  };
  try {
    await sendToDestination(config.onFailureArn, record);
    log(
      'warn',
      `${label} failed ${invokeCount} time(s) (${condition}): ${responsePayload.errorMessage}; ` +
        `invocation record sent to ${config.onFailureArn}.`,
    );
  } catch (error) {
    log(
      'error',
      `${label} failed ${invokeCount} time(s) (${condition}) and its invocation record could not be sent to ` +
        `${config.onFailureArn}: ${error instanceof Error ? error.message : String(error)}. The event is lost.`,
    );
  }
}

/**
 * A destination as serverless.yml accepts it (`{ type, arn }` or an ARN string), resolved to its ARN.
 * @param {unknown} destination
 * @param {(value: unknown) => unknown} resolve CloudFormation intrinsics resolver
 * @returns {string | undefined}
 */
export function destinationArnOf(destination, resolve) {
  if (destination === undefined || destination === null) return undefined;
  if (typeof destination === 'string') return destination;
  if (typeof destination === 'object' && 'arn' in destination) return String(resolve(destination.arn));
  return String(resolve(destination));
}

/** @param {number} value @param {number} min @param {number} max */
function clamp(value, min, max) {
  return Math.min(max, Math.max(min, Math.trunc(Number(value))));
}

/** @param {unknown} event */
function eventLabel(event) {
  if (event && typeof event === 'object') {
    const e = /** @type {Record<string, unknown>} */ (event);
    if (typeof e.id === 'string') return `${e['detail-type'] ?? ''} ${e.id}`.trim();
  }
  return '(no id)';
}
