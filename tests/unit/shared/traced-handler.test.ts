import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpHandler, json } from '../../../shared/http/handler.js';
import { tracedHttpHandler } from '../../../shared/http/traced-handler.js';
import { tracer } from '../../../shared/tracing.js';
import { fakeContext, httpEvent } from './lambda-fakes.js';

/*
 * Outside Lambda the tracer records nothing (POWERTOOLS_TRACE_ENABLED=false), so these tests watch what the
 * stack asks of it: the same calls that, on AWS, make the handler subsegment and the annotation.
 */
afterEach(() => {
  vi.restoreAllMocks();
});

const request = () =>
  httpEvent({
    method: 'POST',
    path: '/things',
    headers: { 'x-correlation-id': 'corr-traced' },
    claims: { sub: 'user-1' },
  });

describe('tracedHttpHandler, the stack of a route that changes state', () => {
  it('annotates the trace with the correlation id and wraps the handler in the tracer', async () => {
    const annotate = vi.spyOn(tracer, 'putAnnotation');
    const tracerAsked = vi.spyOn(tracer, 'isTracingEnabled');
    const handler = tracedHttpHandler({ access: 'customer' }, async () => json(202, { ok: true }));

    const response = await handler(request(), fakeContext());

    expect(response.statusCode).toBe(202);
    expect(annotate).toHaveBeenCalledWith('correlationId', 'corr-traced');
    expect(tracerAsked).toHaveBeenCalled();
  });

  it('answers exactly as the untraced stack does', async () => {
    const handle = async () => json(202, { ok: true });
    const traced = await tracedHttpHandler({ access: 'customer' }, handle)(request(), fakeContext());
    const untraced = await httpHandler({ access: 'customer' }, handle)(request(), fakeContext());

    expect(traced).toEqual(untraced);
  });
});

describe('httpHandler, the stack of a read route', () => {
  it('asks nothing of the tracer', async () => {
    const annotate = vi.spyOn(tracer, 'putAnnotation');
    const tracerAsked = vi.spyOn(tracer, 'isTracingEnabled');
    const handler = httpHandler({ access: 'customer' }, async () => json(200, { ok: true }));

    await handler(request(), fakeContext());

    expect(annotate).not.toHaveBeenCalled();
    expect(tracerAsked).not.toHaveBeenCalled();
  });
});
