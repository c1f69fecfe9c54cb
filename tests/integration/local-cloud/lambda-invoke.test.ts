import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaInvoker } from '../../../scripts/local-cloud/lambda-invoke.mjs';
import { freePort, startOfflineLambda } from './harness.js';

let offline: Awaited<ReturnType<typeof startOfflineLambda>>;
let invoker: ReturnType<typeof createLambdaInvoker>;

beforeAll(async () => {
  offline = await startOfflineLambda(await freePort(), {
    answers: { handler: async (event) => ({ echoed: event }) },
    throws: {
      handler: async () => {
        throw new TypeError('cannot read the order');
      },
    },
    hangs: { handler: () => new Promise((resolve) => setTimeout(resolve, 3_000)), timeoutSeconds: 1 },
  });
  invoker = createLambdaInvoker({
    endpoint: offline.endpoint,
    region: 'us-east-1',
    functionOf: (key) => offline.functionOf(key),
  });
});

afterAll(async () => {
  invoker?.destroy();
  await offline?.stop();
});

describe('invoking through serverless-offline: function errors versus delivery failures', () => {
  it('returns what the handler returned', async () => {
    expect(await invoker.invoke('answers', { id: 1 })).toEqual({ ok: true, payload: { echoed: { id: 1 } } });
  });

  it('calls a thrown error a function error, with the payload Lambda reports', async () => {
    expect(await invoker.invoke('throws', {})).toEqual({
      ok: false,
      kind: 'function',
      error: 'cannot read the order',
      payload: { errorType: 'Error', errorMessage: 'cannot read the order', trace: expect.any(Array) },
    });
  });

  it("calls serverless-offline's '[504] - Lambda timeout.' a function error, reported as AWS reports a timeout", async () => {
    expect(await invoker.invoke('hangs', {})).toEqual({
      ok: false,
      kind: 'function',
      error: 'Task timed out after 1.00 seconds',
      payload: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' },
    });
  });

  it('calls an unknown function and an unreachable endpoint delivery failures', async () => {
    const unknown = createLambdaInvoker({
      endpoint: offline.endpoint,
      region: 'us-east-1',
      functionOf: () => ({ name: 'svc-test-nothing' }),
    });
    expect(await unknown.invoke('nothing', {})).toEqual({
      ok: false,
      kind: 'delivery',
      error: expect.stringContaining('svc-test-nothing'),
    });
    unknown.destroy();

    const down = createLambdaInvoker({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      region: 'us-east-1',
      functionOf: (key) => offline.functionOf(key),
    });
    expect(await down.invoke('answers', {})).toMatchObject({ ok: false, kind: 'delivery' });
    down.destroy();
  });
});
