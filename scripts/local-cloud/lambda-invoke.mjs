// Invokes functions through serverless-offline's Lambda endpoint, as the AWS services do, and says what kind of
// failure an unsuccessful invocation was. The difference matters on AWS and so here:
// - a function error (the handler threw, returned an error, or timed out) is the function's own failure: an
//   asynchronous invocation is retried by Lambda and then goes to the function's on-failure destination, a
//   stream batch may be bisected;
// - a delivery failure (endpoint unreachable, no such function, throttled) never reached the handler: the caller
//   that tried to deliver (the rule target, the event source mapping) retries it under its own policy.
// Plain ESM with JSDoc types: the Serverless CLI loads this file without a TypeScript compiler.

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/**
 * What a function error looks like in an invocation response and in a destination record (`responsePayload`).
 * @typedef {{ errorType: string, errorMessage: string, [key: string]: unknown }} LambdaErrorPayload
 */
/**
 * @typedef {{ ok: true, payload: unknown }} InvokeSuccess
 * @typedef {{ ok: false, kind: 'function', error: string, payload: LambdaErrorPayload }} FunctionErrorResult
 * @typedef {{ ok: false, kind: 'delivery', error: string }} DeliveryFailureResult
 * @typedef {InvokeSuccess | FunctionErrorResult | DeliveryFailureResult} InvokeResult
 */
/**
 * What callers receive from invoke functions; `kind` may be missing from hand-written invokers (tests), and then
 * the failure counts as a function error.
 * @typedef {InvokeSuccess | { ok: false, kind?: 'function' | 'delivery', error: string, payload?: unknown }} AnyInvokeResult
 */

/** serverless-offline's message when it stops waiting for a handler (LambdaTimeoutError). */
const OFFLINE_TIMEOUT = /Lambda timeout/i;

/**
 * True for a failure that reached the handler (the handler's error or timeout), false for success and for
 * failures to deliver.
 * @param {AnyInvokeResult} result
 */
export function isFunctionError(result) {
  return !result.ok && result.kind !== 'delivery';
}

/**
 * The error payload of a failed result as Lambda would report it; a hand-written invoker's bare message becomes an
 * `Error`.
 * @param {AnyInvokeResult} result
 * @returns {LambdaErrorPayload}
 */
export function errorPayloadOf(result) {
  if (result.ok) return { errorType: 'Error', errorMessage: 'no error' };
  const payload = result.payload;
  if (payload && typeof payload === 'object' && 'errorMessage' in payload && 'errorType' in payload) {
    return /** @type {LambdaErrorPayload} */ (payload);
  }
  return { errorType: 'Error', errorMessage: result.error };
}

/**
 * The payload AWS reports for a timed-out invocation, in place of serverless-offline's "[504] - Lambda timeout.".
 * @param {number | undefined} timeoutSeconds
 * @returns {LambdaErrorPayload}
 */
export function timeoutPayload(timeoutSeconds) {
  const seconds =
    timeoutSeconds === undefined ? 'the function timeout' : `${timeoutSeconds.toFixed(2)} seconds`;
  return { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${seconds}` };
}

/**
 * @param {object} options
 * @param {string} options.endpoint serverless-offline's Lambda endpoint, e.g. http://127.0.0.1:3002
 * @param {string} options.region
 * @param {(functionKey: string) => { name: string, timeoutSeconds?: number }} options.functionOf the deployed name
 *   (what serverless-offline routes by) and timeout of a function
 * @returns {{ invoke(functionKey: string, event: unknown): Promise<InvokeResult>, destroy(): void }}
 */
export function createLambdaInvoker({ endpoint, region, functionOf }) {
  const client = new LambdaClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // A retry would run the handler again behind the caller's back; callers apply AWS's retry rules themselves.
    maxAttempts: 1,
  });

  return {
    async invoke(functionKey, event) {
      let fn;
      try {
        fn = functionOf(functionKey);
      } catch (error) {
        return {
          ok: false,
          kind: 'delivery',
          error: `Function not found: ${functionKey} (${message(error)})`,
        };
      }
      let response;
      try {
        response = await client.send(
          new InvokeCommand({ FunctionName: fn.name, Payload: JSON.stringify(event) }),
        );
      } catch (error) {
        // A gateway timeout is the handler running out of time, not a failure to deliver.
        const status = /** @type {{ $metadata?: { httpStatusCode?: number } }} */ (error).$metadata
          ?.httpStatusCode;
        if (status === 504 || OFFLINE_TIMEOUT.test(message(error))) {
          const payload = timeoutPayload(fn.timeoutSeconds);
          return { ok: false, kind: 'function', error: payload.errorMessage, payload };
        }
        return { ok: false, kind: 'delivery', error: message(error) };
      }
      const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
      /** @type {unknown} */
      let payload = null;
      if (text) {
        try {
          payload = JSON.parse(text);
        } catch {
          payload = text;
        }
      }
      const errorLike =
        payload !== null &&
        typeof payload === 'object' &&
        'errorMessage' in payload &&
        'errorType' in payload;
      if (!response.FunctionError && !errorLike) return { ok: true, payload };

      /** @type {LambdaErrorPayload} */
      let errorPayload = errorLike
        ? /** @type {LambdaErrorPayload} */ (payload)
        : { errorType: 'Error', errorMessage: text || String(response.FunctionError) };
      if (OFFLINE_TIMEOUT.test(errorPayload.errorMessage)) errorPayload = timeoutPayload(fn.timeoutSeconds);
      return { ok: false, kind: 'function', error: errorPayload.errorMessage, payload: errorPayload };
    },
    destroy() {
      client.destroy();
    },
  };
}

/** @param {unknown} error */
function message(error) {
  return error instanceof Error ? error.message : String(error);
}
