/**
 * patches/serverless-offline+14.8.2.patch bounds how many sandboxes of one function run at once
 * (`maxSandboxesPerFunction` in serverless.yml; decisions.md, "A bounded sandbox pool"). Upstream starts one
 * per concurrent invocation: 200 concurrent orders on a 2-core machine then cold-start 200 sandboxes, every
 * one runs past its timeout, and each retry cold-starts again. Invocations beyond the bound wait for a
 * sandbox, and that wait is not part of their timeout, because on AWS they would have started at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLambdaInvoker } from '../../../scripts/local-cloud/lambda-invoke.mjs';
import { freePort, startOfflineLambda } from './harness.js';

const CONCURRENT_CALLS = 8;
const HANDLER_MS = 400;
/** Eight 400 ms calls two at a time take 1.6 s: longer than the timeout, had the wait counted. */
const TIMEOUT_SECONDS = 1;

let stop: (() => Promise<void>) | undefined;

afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** Starts one function that notes how many of its invocations run at the same moment. */
async function startCountingFunction(maxSandboxesPerFunction?: number) {
  const seen = { inFlight: 0, mostAtOnce: 0 };
  const offline = await startOfflineLambda(
    await freePort(),
    {
      slow: {
        timeoutSeconds: TIMEOUT_SECONDS,
        handler: async (event) => {
          seen.inFlight += 1;
          seen.mostAtOnce = Math.max(seen.mostAtOnce, seen.inFlight);
          await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
          seen.inFlight -= 1;
          return { call: (event as { call: number }).call };
        },
      },
    },
    maxSandboxesPerFunction ? { maxSandboxesPerFunction } : {},
  );
  const invoker = createLambdaInvoker({
    endpoint: offline.endpoint,
    region: 'us-east-1',
    functionOf: (key) => offline.functionOf(key),
  });
  stop = async () => {
    invoker.destroy();
    await offline.stop();
  };
  const answers = await Promise.all(
    Array.from({ length: CONCURRENT_CALLS }, (_, call) => invoker.invoke('slow', { call })),
  );
  return { seen, answers };
}

describe('the local sandbox pool', () => {
  it('runs at most maxSandboxesPerFunction invocations of a function at once, and the rest wait without timing out', async () => {
    const { seen, answers } = await startCountingFunction(2);

    expect(seen.mostAtOnce).toBe(2);
    expect(answers).toEqual(
      Array.from({ length: CONCURRENT_CALLS }, (_, call) => ({ ok: true, payload: { call } })),
    );
  });

  it('runs every invocation at once when no bound is configured, as upstream does', async () => {
    const { seen, answers } = await startCountingFunction();

    expect(seen.mostAtOnce).toBe(CONCURRENT_CALLS);
    expect(answers.every((answer) => answer.ok)).toBe(true);
  });
});
