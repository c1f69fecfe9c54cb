import type { MiddlewareObj } from '@middy/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeContext, httpEvent } from './lambda-fakes.js';

/*
 * Lambda sets `_X_AMZN_TRACE_ID` per invocation; `Sampled=1` marks the requests X-Ray records. The X-Ray SDK
 * (shared/tracing.ts) is replaced by a recording double, loaded afresh with the handler for each test, so
 * the tests see whether a request loaded it, and what it asked of it.
 */
const SAMPLED = 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1';
const NOT_SAMPLED = 'Root=1-67891233-abcdef012345678912345679;Parent=53995c3f42cd8ad9;Sampled=0';

interface XRayDouble {
  loads: number;
  coldStartFlagsSpent: number;
  annotations: string[];
  subsegments: string[];
}

let xray: XRayDouble;

beforeEach(() => {
  xray = { loads: 0, coldStartFlagsSpent: 0, annotations: [], subsegments: [] };
  vi.resetModules();
  vi.doMock('../../../shared/tracing.js', () => {
    xray.loads++;
    const handlerSubsegment: MiddlewareObj = {
      before: async () => void xray.subsegments.push('opened'),
      after: async () => void xray.subsegments.push('closed'),
      onError: async () => void xray.subsegments.push('closed on error'),
    };
    return {
      tracer: { loadedInWarmSandbox: () => void xray.coldStartFlagsSpent++ },
      handlerSubsegment,
      annotateCorrelationId: (id: string) => void xray.annotations.push(id),
    };
  });
});

afterEach(() => {
  vi.doUnmock('../../../shared/tracing.js');
  delete process.env._X_AMZN_TRACE_ID;
});

const request = (correlationId = 'corr-traced') =>
  httpEvent({
    method: 'POST',
    path: '/things',
    headers: { 'x-correlation-id': correlationId },
    claims: { sub: 'user-1' },
  });

async function writeRoute(handle = async () => ({ statusCode: 202, body: { ok: true } })) {
  const { tracedHttpHandler } = await import('../../../shared/http/traced-handler.js');
  const route = tracedHttpHandler({ access: 'customer' }, handle);
  return async (traceHeader: string, correlationId?: string) => {
    process.env._X_AMZN_TRACE_ID = traceHeader;
    return route(request(correlationId), fakeContext());
  };
}

describe('tracedHttpHandler, the stack of a route that changes state', () => {
  it('does not load the X-Ray SDK for a request X-Ray does not sample', async () => {
    const invoke = await writeRoute();

    const response = await invoke(NOT_SAMPLED);

    expect(response.statusCode).toBe(202);
    expect(xray).toEqual({ loads: 0, coldStartFlagsSpent: 0, annotations: [], subsegments: [] });
  });

  it('traces a sampled request: handler subsegment around it, correlation id annotated', async () => {
    const invoke = await writeRoute();

    const response = await invoke(SAMPLED, 'corr-sampled');

    expect(response.statusCode).toBe(202);
    expect(xray.loads).toBe(1);
    expect(xray.subsegments).toEqual(['opened', 'closed']);
    expect(xray.annotations).toEqual(['corr-sampled']);
    // the sandbox's first request: the tracer's own cold-start flag is right, and left for it to report
    expect(xray.coldStartFlagsSpent).toBe(0);
  });

  it('loads the SDK once, at the first sampled request, and then traces only sampled requests', async () => {
    const invoke = await writeRoute();

    await invoke(NOT_SAMPLED, 'corr-1');
    await invoke(SAMPLED, 'corr-2');
    await invoke(NOT_SAMPLED, 'corr-3');
    await invoke(SAMPLED, 'corr-4');

    expect(xray.loads).toBe(1);
    expect(xray.annotations).toEqual(['corr-2', 'corr-4']);
    expect(xray.subsegments).toEqual(['opened', 'closed', 'opened', 'closed']);
    // loaded in a warm sandbox: the flag is spent, so no trace says ColdStart for a warm request
    expect(xray.coldStartFlagsSpent).toBe(1);
  });

  it('serves a sampled request untraced when the X-Ray SDK fails to load, and tries again at the next one', async () => {
    const working = await import('../../../shared/tracing.js');
    let failedLoads = 0;
    vi.resetModules();
    vi.doMock('../../../shared/tracing.js', () => {
      if (failedLoads++ === 0) throw new Error('X-Ray SDK exploded at load');
      return working;
    });
    const invoke = await writeRoute();
    const { logger } = await import('../../../shared/observability.js');
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);

    const first = await invoke(SAMPLED, 'corr-load-fails');
    const second = await invoke(SAMPLED, 'corr-load-works');

    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(logged).toHaveBeenCalledWith('X-Ray SDK failed to load: request served untraced', {
      error: expect.any(Error),
    });
    expect(failedLoads).toBe(2);
    expect(xray.annotations).toEqual(['corr-load-works']);
    expect(xray.subsegments).toEqual(['opened', 'closed']);
  });

  it('answers exactly as the untraced stack does, sampled or not', async () => {
    const handle = async () => ({ statusCode: 202, body: { ok: true } });
    const invoke = await writeRoute(handle);
    const { httpHandler } = await import('../../../shared/http/handler.js');
    const untraced = await httpHandler({ access: 'customer' }, handle)(request(), fakeContext());

    expect(await invoke(SAMPLED)).toEqual(untraced);
    expect(await invoke(NOT_SAMPLED)).toEqual(untraced);
  });
});

describe('httpHandler, the stack of a read route', () => {
  it('never loads the X-Ray SDK, even for a sampled request', async () => {
    const { httpHandler } = await import('../../../shared/http/handler.js');
    const handler = httpHandler({ access: 'customer' }, async () => ({
      statusCode: 200,
      body: { ok: true },
    }));
    process.env._X_AMZN_TRACE_ID = SAMPLED;

    await handler(request(), fakeContext());

    expect(xray.loads).toBe(0);
  });
});

describe('AWS clients and a tracer that loads late', () => {
  it('instruments the clients created before it loaded, and those created after', async () => {
    const clients = await import('../../../shared/aws/clients.js');
    const dynamoDbStack = clients.dynamoDb().middlewareStack;
    const sqsStack = clients.sqs().middlewareStack;
    const instrumented: unknown[] = [];

    clients.instrumentAwsClientsWith((client) => {
      instrumented.push(client.middlewareStack);
      return client;
    });
    const kmsStack = clients.kms().middlewareStack;

    // the document client shares its DynamoDB client's middleware stack, where the tracer adds its own
    expect(instrumented).toEqual([dynamoDbStack, sqsStack, kmsStack]);
  });
});

describe('tracedHttpHandler with the real X-Ray SDK module', () => {
  it('loads Powertools Tracer on the first sampled request, in a warm sandbox, and annotates it', async () => {
    vi.doUnmock('../../../shared/tracing.js');
    vi.resetModules();
    const invoke = await writeRoute();

    expect((await invoke(NOT_SAMPLED, 'corr-unsampled')).statusCode).toBe(202);
    const { tracer } = await import('../../../shared/tracing.js');
    const annotate = vi.spyOn(tracer, 'putAnnotation');
    expect((await invoke(SAMPLED, 'corr-real')).statusCode).toBe(202);

    expect(annotate).toHaveBeenCalledWith('correlationId', 'corr-real');
    expect(annotate).not.toHaveBeenCalledWith('correlationId', 'corr-unsampled');
  });
});
